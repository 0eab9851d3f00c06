import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// A real Prometheus scrapes the real binary (against the emulator) and sees
/// every family with the right values, over gzip.
@Suite(.timeLimit(.minutes(3)))
struct PrometheusScrapeTests {
    static let imageCount = 64

    @Test func prometheusSeesEveryFamily() async throws {
        let emulator = try await Emulator.start(images: Self.imageCount)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--log.level", "debug"],
            environment: emulatorCredentials)
        defer { exporter.stop() }
        let prometheus = try await Prometheus.start(scraping: "127.0.0.1:\(exporter.port)")
        defer { prometheus.stop() }

        try await prometheus.waitFor(#"aws_workspaces_up{job="workspaces"} == 1"#)
        #expect(try await prometheus.value(#"up{job="workspaces"}"#) == 1)

        let seed = SeedImages.images(count: Self.imageCount)
        let withCreated = seed.filter { $0.created != nil }
        #expect(try await prometheus.value("sum(aws_workspaces_images)") == Double(Self.imageCount))
        #expect(try await prometheus.value("count(aws_workspaces_images)") == 15) // 12 known + 3 combinations with new or missing values
        #expect(try await prometheus.value(#"aws_workspaces_images{state="ERROR",required_tenancy="DEFAULT",os_type="WINDOWS"}"#)
                == Double(seed.filter { $0.state == "ERROR" && $0.requiredTenancy == "DEFAULT" && $0.operatingSystemType == "WINDOWS" }.count))
        #expect(try await prometheus.value("count(aws_workspaces_image_info)") == Double(Self.imageCount))
        #expect(try await prometheus.value("count(aws_workspaces_image_update_available)") == Double(Self.imageCount))
        #expect(try await prometheus.value("sum(aws_workspaces_image_update_available)") == Double(seed.filter { $0.updateAvailable == true }.count))
        #expect(try await prometheus.value("aws_workspaces_images_update_available") == Double(seed.filter { $0.updateAvailable == true }.count))
        #expect(try await prometheus.value("count(aws_workspaces_image_created_timestamp_seconds)") == Double(withCreated.count))
        #expect(try await prometheus.value("count(aws_workspaces_image_age_seconds)") == Double(withCreated.count))
        #expect(try await prometheus.value(#"aws_workspaces_image_created_timestamp_seconds{image_id="wsi-edge00001"}"#) == 1_732_811_234.567)
        let age = try #require(try await prometheus.value(#"aws_workspaces_image_age_seconds{image_id="wsi-edge00002"}"#))
        #expect(abs(age - (Date().timeIntervalSince1970 - 1_700_000_000.25)) < 30)
        #expect(try await prometheus.value(#"aws_workspaces_image_errors{error_code="PendingReboot"}"#)
                == Double(seed.filter { ($0.errorDetailCodes ?? []).contains("PendingReboot") }.count))
        #expect(try await prometheus.value("count(aws_workspaces_image_errors)") == 51) // 48 model codes + 3 others in the seed
        #expect(try await prometheus.value("aws_workspaces_exporter_build_info") == 1)
        #expect(try await prometheus.value("aws_workspaces_scrape_duration_seconds > 0") != nil)

        // Escaped label values survive the round trip into Prometheus.
        let golden = try await prometheus.query(#"aws_workspaces_image_info{image_id="wsi-edge00001"}"#)
        #expect(golden.first?.labels["name"] == #"golden\windows "2022"#)
        let multiline = try await prometheus.query(#"aws_workspaces_image_info{image_id="wsi-edge00002"}"#)
        #expect(multiline.first?.labels["name"] == "multi\nline name")
        // Every aws_workspaces_* series but build_info carries region.
        // Every per-target series carries account_id and region; only the
        // process-wide ones (build info, configuration reload, the HTTP client) carry neither.
        let processWide = #"__name__!~"aws_workspaces_exporter_build_info|aws_workspaces_config_last_reload_.+|aws_workspaces_http_client_.+""#
        #expect(try await prometheus.value(#"count({__name__=~"aws_workspaces_.+",\#(processWide),region=""})"#) == nil)
        #expect(try await prometheus.value(#"count({__name__=~"aws_workspaces_.+",\#(processWide),account_id=""})"#) == nil)

        // Prometheus asked for OpenMetrics and gzip, and got both: the values
        // above went through its OpenMetrics parser.
        #expect(exporter.log.contains("encoding=gzip"), "\(exporter.log)")
        #expect(exporter.log.contains("application/openmetrics-text; version=1.0.0"), "\(exporter.log)")
        // OpenMetrics counters keep their _total samples.
        #expect(try await prometheus.value(#"sum(aws_workspaces_api_requests_total)"#) != nil)
        #expect(try await prometheus.value("process_resident_memory_bytes > 1e6") != nil)
    }
}
