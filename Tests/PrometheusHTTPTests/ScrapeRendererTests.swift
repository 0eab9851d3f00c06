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

    static let cachings: [ScrapeRenderer.Caching] = [.snapshots, .none, .families(keep: .seconds(600))]

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics(version: "1.0.0")], cachings)
    func cachedAssemblyEqualsOneRender(format: ExpositionFormat, caching: ScrapeRenderer.Caching) throws {
        let renderer = ScrapeRenderer(caching: caching)
        var snapshots = Self.snapshots(1)
        for (step, upValue) in [1.0, 5.0, 9.0, 2.0, 0.0].enumerated() {
            // A new collection halfway: the cache must notice the new ids.
            if step == 3 { snapshots = Self.snapshots(4) }
            let scrape = Scrape(snapshots: snapshots, live: Self.live(upValue), source: "200000000000/us-east-1")
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

    /// For `/probe`: a family unchanged since the last scrape of the same
    /// source reuses its deflated piece; a changed one, or the same family of
    /// another source or format, is rendered anew; the body is always the
    /// one rendered in one go.
    @Test func probePiecesAreReusedPerSourceWhileUnchanged() throws {
        let cache = FamilyChunkCache(keep: .seconds(600))
        let start = ContinuousClock.now
        func check(_ families: [MetricFamily], source: String, format: ExpositionFormat = .prometheusText,
                   at seconds: Int = 0) throws -> Int {
            let before = cache.reused
            let body = try #require(cache.body(families, source: source, format: format, now: start.advanced(by: .seconds(seconds))))
            #expect(gunzip(body) == format.encode(families))
            return cache.reused - before
        }
        let first = [Self.family("a_up", 1), Self.family("b_image_info", 1), Self.family("c_images", 2)]
        #expect(try check(first, source: "A") == 0)
        #expect(try check(first, source: "A") == 3, "all three unchanged")
        let changed = [Self.family("a_up", 1), Self.family("b_image_info", 5), Self.family("c_images", 2)]
        #expect(try check(changed, source: "A") == 2, "the changed one rendered anew")
        #expect(try check(changed, source: "A") == 3)
        #expect(try check(changed, source: "B") == 0, "another target keeps its own")
        #expect(try check(changed, source: "A", format: .openMetrics(version: "1.0.0")) == 0, "another format too")
        #expect(try check(changed, source: "A", format: .openMetrics(version: "0.0.1")) == 3, "OpenMetrics' versions write the same bytes")
        #expect(cache.count == 9)
        // Source B is probed again 11 minutes later: A's entries, unused for
        // longer than `keep`, go.
        #expect(try check(changed, source: "B", at: 660) == 3)
        #expect(cache.count == 3)
    }

    /// A small family that changed since its piece was made (the scrape's own
    /// figures, every probe) is kept undeflated in the body; a new family, an
    /// unchanged one and a large changed one are deflated.
    @Test func aSmallChangedFamilyIsKeptUndeflated() throws {
        let cache = FamilyChunkCache(keep: .seconds(600))
        func large(_ value: Double) -> MetricFamily {
            MetricFamily(name: "b_ages", help: "Ages.", type: .gauge, samples: (0..<100).map {
                Sample(labels: [Label("image_id", "wsi-\($0)")], value: value + Double($0))
            })
        }
        func body(_ families: [MetricFamily]) throws -> [UInt8] {
            let body = try #require(cache.body(families, source: "A", format: .prometheusText))
            #expect(gunzip(body) == ExpositionFormat.prometheusText.encode(families))
            return body
        }
        func holds(_ body: [UInt8], _ family: MetricFamily) -> Bool {
            let text = ExpositionFormat.prometheusText.encodeFamilies([family])
            return body.indices.contains { body[$0...].starts(with: text) }
        }
        let first = [Self.family("a_duration", 1), large(1), Self.family("c_up", 1)]
        #expect(!holds(try body(first), first[0]), "new: deflated")
        let second = [Self.family("a_duration", 2), large(2), Self.family("c_up", 1)]
        let changed = try body(second)
        #expect(holds(changed, second[0]), "small and changed: as it is")
        #expect(!holds(changed, second[1]), "large and changed: deflated")
        #expect(ExpositionFormat.prometheusText.encodeFamilies([second[1]]).count > FamilyChunkCache.storedLimit)
        #expect(try body(second) == changed, "unchanged: the same pieces")
    }

    @Test func probeRendererWithoutGzipOrSourceRendersWhole() {
        let renderer = ScrapeRenderer(caching: .families(keep: .seconds(600)))
        let families = [Self.family("a_up", 1), Self.family("b_image_info", 1)]
        let format = ExpositionFormat.prometheusText
        for source in ["", "200000000000/us-east-1"] {
            let scrape = Scrape(snapshots: [Snapshot(families: [families[1]])], live: [families[0]], source: source)
            let plain = renderer.render(scrape, format: format, gzip: false)
            #expect(!plain.gzipped && plain.body == format.encode(families))
            let gzipped = renderer.render(scrape, format: format, gzip: true)
            #expect(gzipped.gzipped && gunzip(gzipped.body) == format.encode(families))
        }
        #expect(renderer.familiesKept == 2, "only the scrape with a source is kept")
    }

    /// A probe whose collection deferred its families (the same answers as
    /// the last one) is assembled from the pieces kept for them without
    /// building them; a piece missing (another format, another source, a
    /// family not seen) has them built, once, and the body is always the one
    /// rendered in one go from the built families.
    @Test func deferredFamiliesAreBuiltOnlyForAMissingPiece() throws {
        let renderer = ScrapeRenderer(caching: .families(keep: .seconds(600)))
        let digest: UInt64 = 0xD1_6E57
        let fromSources = [Self.family("b_image_info", 1), Self.family("c_images", 2)].map { $0.withSourceDigest(digest) }
        let live = [Self.family("a_up", 1), Self.family("d_scrape_seconds", 0.5)]
        let ages = Self.family("b_image_age_seconds", 10)
        func deferred(_ families: [MetricFamily] = fromSources) -> DeferredFamilies {
            DeferredFamilies(names: families.map(\.name), sourceDigest: digest) { families }
        }
        // What the body must hold, from the families as built (reading the
        // scrape's own would build the deferred ones).
        func render(_ snapshot: Snapshot, holding families: [MetricFamily] = fromSources, source: String = "A",
                    format: ExpositionFormat = .prometheusText) throws {
            let scrape = Scrape(snapshots: [snapshot], live: live, source: source)
            let body = renderer.render(scrape, format: format, gzip: true)
            #expect(body.gzipped)
            #expect(gunzip(body.body) == format.encode(MetricFamily.merge(live + [ages] + families)))
        }
        // The collection that built them keeps their pieces.
        try render(Snapshot(families: [ages] + fromSources))
        let unchanged = deferred()
        try render(Snapshot(families: [ages], deferred: unchanged))
        #expect(unchanged.buildCount == 0, "every piece was kept")
        for (source, format) in [("A", ExpositionFormat.openMetrics(version: "1.0.0")), ("B", .prometheusText)] {
            let other = deferred()
            try render(Snapshot(families: [ages], deferred: other), source: source, format: format)
            #expect(other.buildCount == 1, "\(source) \(format): built for the missing pieces")
        }
        // A digest nobody rendered before: built, whatever is kept by name.
        let newer = [Self.family("b_image_info", 7), Self.family("c_images", 8)].map { $0.withSourceDigest(digest + 1) }
        let renamed = DeferredFamilies(names: newer.map(\.name), sourceDigest: digest + 1) { newer }
        try render(Snapshot(families: [ages], deferred: renamed), holding: newer)
        #expect(renamed.buildCount == 1)
        // Without gzip the families are built and rendered whole.
        let plain = deferred()
        let scrape = Scrape(snapshots: [Snapshot(families: [ages], deferred: plain)], live: live, source: "A")
        let body = renderer.render(scrape, format: .prometheusText, gzip: false)
        #expect(!body.gzipped && body.body == ExpositionFormat.prometheusText.encode(MetricFamily.merge(live + [ages] + fromSources)))
        #expect(plain.buildCount == 1)
    }
}
