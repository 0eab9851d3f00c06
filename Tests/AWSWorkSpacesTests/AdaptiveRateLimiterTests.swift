@testable import AWSWorkSpaces
import Foundation
import TestSupport
import Testing

/// The adaptive retry mode's limiter against botocore's own classes
/// (`Tests/Fixtures/adaptive_oracle.py`), answer by answer, and its token
/// bucket's waits.
@Suite(.timeLimit(.minutes(2)))
struct AdaptiveRateLimiterTests {
    /// Deterministic answer sequences: bursts, steady sending, throttling
    /// phases of different strengths, gaps of several seconds.
    static func sequences() -> [[(Double, Bool)]] {
        var generator = SplitMix(seed: 42)
        var all: [[(Double, Bool)]] = []
        for pattern in 0..<6 {
            var time = 1_000.0 + Double(pattern) * 13.37
            var events: [(Double, Bool)] = []
            for index in 0..<400 {
                let phase = index / 50
                time += pattern == 5 && index % 97 == 0 ? 7.5 : generator.unit() * (0.02 + 0.1 * Double(pattern % 3))
                // Throttled more often in odd phases, never in pattern 0's first phase.
                let probability = phase % 2 == 1 ? 0.3 + 0.1 * Double(pattern) : (pattern == 0 && phase == 0 ? 0 : 0.02)
                events.append((time, generator.unit() < probability))
            }
            all.append(events)
        }
        return all
    }

    @Test func ratesMatchBotocoreAnswerByAnswer() async throws {
        let sequences = Self.sequences()
        let input = try JSONSerialization.data(withJSONObject: sequences.map { $0.map { [$0.0, $0.1] as [Any] } })
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/adaptive_oracle.py").path
        let (status, output) = try await runCommand(python, [script], stdin: String(decoding: input, as: UTF8.self))
        #expect(status == 0, "\(output.suffix(2000))")
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        let expected = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[[Any]]] ?? []
        try #require(expected.count == sequences.count)
        var compared = 0, throttled = 0
        for (events, answers) in zip(sequences, expected) {
            let limiter = AdaptiveRateLimiter(now: events[0].0)
            for (index, ((time, isThrottled), answer)) in zip(events, answers).enumerated() {
                limiter.responseReceived(throttled: isThrottled, now: time)
                let (enabled, rate, measured) = limiter.snapshot
                let theirRate = (answer[0] as? NSNumber)?.doubleValue ?? .nan
                let theirMeasured = (answer[1] as? NSNumber)?.doubleValue ?? .nan
                func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }
                #expect(close(rate, theirRate) && close(measured, theirMeasured) && enabled == (answer[2] as? Bool),
                        "answer \(index) at \(time): ours \(rate) \(measured) \(enabled), botocore's \(theirRate) \(theirMeasured) \(answer[2])")
                compared += 1
                if isThrottled { throttled += 1 }
            }
        }
        #expect(compared == 2400)
        #expect(throttled > 200)
    }

    @Test func theBucketSpacesRequestsAtTheRate() {
        let limiter = AdaptiveRateLimiter(now: 0)
        // Until a throttling answer, no waiting at all.
        #expect((0..<100).allSatisfy { _ in limiter.reserve(now: 0) == 0 })
        // Sending about 4 a second, then throttled: the rate falls to 70 % of what was measured.
        var time = 0.0
        for _ in 0..<8 {
            time += 0.25
            limiter.responseReceived(throttled: false, now: time)
        }
        let rate = limiter.responseReceived(throttled: true, now: time)
        #expect(limiter.snapshot.enabled)
        #expect(rate > 0.5 && rate < 4)
        // What the bucket held may go at once; after that, reservations made
        // at one instant queue one behind another, 1/rate apart.
        let waits = (0..<6).map { _ in limiter.reserve(now: time) }
        #expect(waits[0] <= 1 / rate + 1e-9, "\(waits)")
        for index in 1..<waits.count where waits[index - 1] > 0 {
            #expect(abs(waits[index] - waits[index - 1] - 1 / rate) < 1e-9, "\(waits)")
        }
        #expect(waits.last ?? 0 > 0)
        // A cancelled reservation gives its token back.
        limiter.cancel()
        #expect(abs(limiter.reserve(now: time) - (waits.last ?? 0)) < 1e-9)
        // Never below half a request per second, however often throttled.
        for step in 0..<50 { limiter.responseReceived(throttled: true, now: time + Double(step) * 0.01) }
        #expect(limiter.snapshot.rate >= 0.5)
    }
}

/// A small deterministic generator, so both sides replay the same answers.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
