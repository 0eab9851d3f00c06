import Foundation
import TestSupport
import Testing

/// A collection whose API answers are the bytes of the last one's decodes no
/// page again (the `NextToken`s recorded then are followed) and builds no
/// family again but the image ages; what every answer holds stays the same,
/// gzipped or plain, on `/metrics` and `/probe`.
@Suite struct UnchangedAnswersTests {
    static let account = Exporter.defaultAccount
    static let images = 60

    @Test(arguments: ["/metrics", "/probe?target=\(Exporter.defaultAccount)/us-east-1"])
    func unchangedAnswersGiveTheSameSeries(path: String) async throws {
        let emulator = try await Emulator.start(images: Self.images)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.min-interval", "0s", "--log.level", "debug"], environment: emulator.environment)
        defer { exporter.stop() }
        func fetch(gzip: Bool) async throws -> ParsedExposition {
            let response = try await HTTPFetch.fetch(exporter.url + path, headers: gzip ? [("Accept-Encoding", "gzip")] : [])
            #expect(response.status == 200, "\(response.text)")
            let body = gzip ? try #require(gunzip(response.body), "not gzip") : response.body
            return ParsedExposition(String(decoding: body, as: UTF8.self))
        }
        let volatile: Set<String> = [
            "aws_workspaces_image_age_seconds", "aws_workspaces_scrape_duration_seconds", "aws_workspaces_collector_duration_seconds",
            "aws_workspaces_last_success_timestamp_seconds", "aws_workspaces_collection_age_seconds",
        ]
        let steady = { (metrics: ParsedExposition) in
            metrics.values.filter { !volatile.contains($0.key.name) && !$0.key.name.hasPrefix("aws_workspaces_api_") && !$0.key.name.hasPrefix("process_")
                && !$0.key.name.hasPrefix("aws_workspaces_http_") && !$0.key.name.hasPrefix("aws_workspaces_exporter_") }
        }
        let first = try await fetch(gzip: true)
        #expect(first.series("aws_workspaces_image_info").count == Self.images, "\(exporter.log)")
        let pages = try await emulator.stats().count("DescribeWorkspaceImages")
        #expect(pages == 3, "60 images in pages of 25")
        #expect(!exporter.log.contains("API answers unchanged"))
        for (round, gzip) in [true, false, true].enumerated() {
            let again = try await fetch(gzip: gzip)
            try await exporter.waitForLog("API answers unchanged", count: round + 1)
            // Every page is still asked for (the tokens of skipped pages are
            // the recorded ones; a wrong one would end or change the listing).
            #expect(try await emulator.stats().count("DescribeWorkspaceImages") == pages * (round + 2))
            #expect(again.series("aws_workspaces_image_info").count == Self.images)
            #expect(steady(again) == steady(first), "round \(round), gzip \(gzip)")
            #expect(Set(again.series("aws_workspaces_image_age_seconds").keys) == Set(first.series("aws_workspaces_image_age_seconds").keys))
        }
    }
}
