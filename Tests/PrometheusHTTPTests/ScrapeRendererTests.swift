import Exposition
import TestSupport
import Testing
import WorkSpacesCollector
@testable import WorkSpacesExporter

/// A body assembled from cached and fresh pieces is byte for byte the body
/// rendered in one go, plain or gzipped, in both formats.
@Suite struct ScrapeRendererTests {
    static func family(_ name: String, _ value: Double, type: MetricType = .gauge) -> MetricFamily {
        MetricFamily(name: name, help: "Help of \(name).", type: type, samples: [
            Sample(labels: [Label("region", "us-east-1")], value: value),
            Sample(labels: [Label("region", "eu-west-1")], value: value + 1),
        ])
    }

    static func scrape(imageValue: Double, upValue: Double, generation: UInt64) -> Scrape {
        let families = [
            family("a_requests_total", upValue * 10, type: .counter),
            family("b_image_info", imageValue),
            family("c_images", imageValue * 2),
            family("d_up", upValue),
            family("z_process", upValue * 3),
        ]
        return Scrape(families: families, cacheable: ["b_image_info", "c_images"], generation: [generation, 7])
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics(version: "1.0.0")])
    func cachedAssemblyEqualsOneRender(format: ExpositionFormat) throws {
        let renderer = ScrapeRenderer()
        for (imageValue, upValue, generation) in [(1.0, 1.0, UInt64(1)), (1.0, 5.0, 1), (1.0, 9.0, 1), (4.0, 2.0, 2), (4.0, 0.0, 2)] {
            let scrape = Self.scrape(imageValue: imageValue, upValue: upValue, generation: generation)
            let expected = format.encode(scrape.families)
            for gzip in [true, false, true] {
                let (body, gzipped) = renderer.render(scrape, format: format, gzip: gzip)
                #expect(gzipped == gzip)
                #expect((gzip ? gunzip(body) : body) == expected, "generation \(generation), up \(upValue), gzip \(gzip)")
            }
        }
    }

    @Test func cacheableFamiliesAtTheEndStillGetTheTrailer() throws {
        let families = [Self.family("a_up", 1), Self.family("b_image_info", 2)]
        let scrape = Scrape(families: families, cacheable: ["b_image_info"], generation: [1])
        let format = ExpositionFormat.openMetrics(version: "1.0.0")
        let (body, _) = ScrapeRenderer().render(scrape, format: format, gzip: true)
        #expect(gunzip(body) == format.encode(families))
    }
}
