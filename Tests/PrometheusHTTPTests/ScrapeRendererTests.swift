import Exposition
import TestSupport
import Testing
@testable import PrometheusHTTP

/// A body assembled from cached and fresh pieces is byte for byte the body
/// rendered in one go, plain or gzipped, in both formats, whatever the mix
/// of snapshot and live families.
@Suite struct ScrapeRendererTests {
    static func family(_ name: String, _ value: Double, type: MetricType = .gauge, region: String = "us-east-1") -> MetricFamily {
        MetricFamily(name: name, help: "Help of \(name).", type: type, samples: [
            Sample(labels: [Label("region", region)], value: value),
        ])
    }

    /// Two targets' snapshots sharing family names, and live families that
    /// sort between them.
    static func snapshots(_ imageValue: Double) -> [Snapshot] {
        [
            Snapshot(families: [family("b_image_info", imageValue), family("c_images", imageValue * 2)]),
            Snapshot(families: [family("b_image_info", imageValue + 1, region: "eu-west-1"), family("e_bundles", 3, region: "eu-west-1")]),
        ]
    }

    static func live(_ upValue: Double) -> [MetricFamily] {
        [family("a_requests_total", upValue * 10, type: .counter), family("d_up", upValue), family("z_process", upValue * 3)]
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics(version: "1.0.0")], [true, false])
    func cachedAssemblyEqualsOneRender(format: ExpositionFormat, caching: Bool) throws {
        let renderer = ScrapeRenderer(caching: caching)
        var snapshots = Self.snapshots(1)
        for (step, upValue) in [1.0, 5.0, 9.0, 2.0, 0.0].enumerated() {
            // A new collection halfway: the cache must notice the new ids.
            if step == 3 { snapshots = Self.snapshots(4) }
            let scrape = Scrape(snapshots: snapshots, live: Self.live(upValue))
            let expected = format.encode(scrape.allFamilies)
            for gzip in [true, false, true] {
                let (body, gzipped) = renderer.render(scrape, format: format, gzip: gzip)
                #expect(gzipped == gzip)
                #expect((gzip ? gunzip(body) : body) == expected, "step \(step), gzip \(gzip)")
            }
        }
    }

    @Test func liveFamiliesThatComeAndGoDoNotConfuseTheCache() {
        let renderer = ScrapeRenderer()
        let snapshots = Self.snapshots(1)
        let format = ExpositionFormat.prometheusText
        // The same snapshots, with a live family appearing between two snapshot
        // families: the cached runs must be cut differently, not reused.
        for live in [Self.live(1), Self.live(1) + [Self.family("bz_between", 7)], Self.live(1)] {
            let scrape = Scrape(snapshots: snapshots, live: live)
            #expect(renderer.render(scrape, format: format, gzip: true).body.isEmpty == false)
            #expect(gunzip(renderer.render(scrape, format: format, gzip: true).body) == format.encode(scrape.allFamilies))
        }
    }

    @Test func snapshotFamiliesAtTheEndStillGetTheTrailer() throws {
        let scrape = Scrape(snapshots: [Snapshot(families: [Self.family("b_image_info", 2)])], live: [Self.family("a_up", 1)])
        let format = ExpositionFormat.openMetrics(version: "1.0.0")
        let (body, _) = ScrapeRenderer().render(scrape, format: format, gzip: true)
        #expect(gunzip(body) == format.encode(scrape.allFamilies))
    }

    @Test func negotiatesFormatAndEncodingInOnePlace() {
        let scrape = Scrape(snapshots: [], live: [Self.family("a_up", 1)])
        let renderer = ScrapeRenderer()
        let plain = renderer.respond(scrape, accept: "text/plain", acceptEncoding: nil)
        #expect(plain.contentType.hasPrefix("text/plain; version=0.0.4") && !plain.gzipped)
        let openMetrics = renderer.respond(scrape, accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5", acceptEncoding: "gzip")
        #expect(openMetrics.contentType.hasPrefix("application/openmetrics-text") && openMetrics.gzipped)
        #expect(String(decoding: gunzip(openMetrics.body) ?? [], as: UTF8.self).hasSuffix("# EOF\n"))
    }
}
