import Testing
@testable import WorkSpacesCollector

/// The API budget's decisions, with the time passed in.
@Suite struct CollectionPacerTests {
    static let t0 = ContinuousClock.now
    static func at(_ seconds: Double) -> ContinuousClock.Instant { t0.advanced(by: .milliseconds(Int64(seconds * 1000))) }

    @Test func aSuccessIsReusedForTheIntervalLessItsTolerance() {
        let pacer = CollectionPacer(interval: .seconds(30))
        #expect(pacer.reuseWindow == .seconds(29))
        #expect(pacer.reuses(successStartedAt: Self.t0, now: Self.at(28.9)))
        #expect(!pacer.reuses(successStartedAt: Self.t0, now: Self.at(29)), "a scrape every 30 s, a little early, still collects")
        #expect(CollectionPacer(interval: .seconds(2)).reuseWindow == .milliseconds(1800))
    }

    @Test func failuresCostTwoCollectionsThenOnePerWindow() {
        var pacer = CollectionPacer(interval: .seconds(30))
        let started = [0, 0.1, 0.2, 20, 29.2, 30].map { pacer.start(at: Self.at($0)) }
        #expect(started == [true, true, false, false, true, false])
        // However often asked over ten minutes: at most 2 + 600/29.
        var more = 0
        for tenth in 300..<6300 where pacer.start(at: Self.at(Double(tenth) / 10)) { more += 1 }
        #expect(more <= 21, "\(more)")
    }

    @Test func aScrapeEveryIntervalAlwaysFindsAToken() {
        var pacer = CollectionPacer(interval: .seconds(30))
        var refused: [Int] = []
        for scrape in 0..<200 {
            // Early by up to 50 ms, as request times jitter.
            let when = Double(scrape) * 30 - (scrape % 2 == 0 ? 0 : 0.05)
            if !pacer.start(at: Self.at(max(0, when))) { refused.append(scrape) }
        }
        #expect(refused.isEmpty)
    }

    /// `hasToken` is what lets a target drop its last families: it must
    /// agree with `start` at every moment, and once true stay true until a
    /// start takes the token.
    @Test func hasTokenAgreesWithStart() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var pacer = CollectionPacer(interval: .seconds(30))
            var time = 0.0
            for _ in 0..<200 {
                time += Double.random(in: 0..<20, using: &generator)
                let now = Self.at(time)
                let expected = pacer.hasToken(at: now)
                // Later, with no start between, a token that was there still is.
                #expect(!expected || pacer.hasToken(at: Self.at(time + Double.random(in: 0..<100, using: &generator))))
                if Bool.random(using: &generator) {
                    var probe = pacer
                    #expect(probe.start(at: now) == expected, "at \(time)")
                    _ = pacer.start(at: now)
                }
            }
        }
        #expect(CollectionPacer(interval: .zero).hasToken(at: Self.t0))
    }

    @Test func zeroTurnsTheBudgetOff() {
        var pacer = CollectionPacer(interval: .zero)
        #expect(!pacer.reuses(successStartedAt: Self.t0, now: Self.t0))
        let started = (0..<100).map { _ in pacer.start(at: Self.t0) }
        #expect(started.allSatisfy { $0 })
    }
}
