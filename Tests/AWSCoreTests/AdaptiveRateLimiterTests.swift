@testable import AWSCore
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

    /// A limiter that has seen throttling at about 4 requests a second, and its rate.
    static func throttled() -> (AdaptiveRateLimiter, Double, Double) {
        let limiter = AdaptiveRateLimiter(now: 0)
        var time = 0.0
        for _ in 0..<8 {
            time += 0.25
            limiter.responseReceived(throttled: false, now: time)
        }
        let rate = limiter.responseReceived(throttled: true, now: time)
        return (limiter, rate, time)
    }

    @Test func theBucketSpacesRequestsAtTheRate() {
        let fresh = AdaptiveRateLimiter(now: 0)
        // Until a throttling answer, no waiting at all.
        #expect((0..<100).allSatisfy { _ in fresh.enqueue(now: 0) == nil })
        // Sending about 4 a second, then throttled: the rate falls to 70 % of what was measured.
        let (limiter, rate, time) = Self.throttled()
        #expect(limiter.snapshot.enabled)
        #expect(rate > 0.5 && rate < 4)
        // What the bucket held may go at once; after that, requests queue
        // one behind another, 1/rate apart.
        let places = (0..<6).map { _ in limiter.enqueue(now: time) }
        let waits = places.map { place in place.map { limiter.wait($0, now: time) } ?? 0 }
        #expect(waits[0] <= 1 / rate + 1e-9, "\(waits)")
        for index in 1..<waits.count where waits[index - 1] > 0 {
            #expect(abs(waits[index] - waits[index - 1] - 1 / rate) < 1e-9, "\(waits)")
        }
        #expect(waits.last ?? 0 > 0)
        // Served in order: at the first one's time, only the first gets its token.
        let queued = places.compactMap { $0 }
        let first = time + waits[waits.count - queued.count]
        #expect(limiter.wait(queued[1], now: first) > 0)
        #expect(limiter.wait(queued[0], now: first) == 0)
        #expect(limiter.queued == queued.count - 1)
        // Never below half a request per second, however often throttled.
        for step in 0..<50 { limiter.responseReceived(throttled: true, now: time + Double(step) * 0.01) }
        #expect(limiter.snapshot.rate >= 0.5)
    }

    /// A waiting request looks at the rate again when it wakes, as
    /// botocore's bucket recomputes its sleep: a lower rate makes it wait
    /// longer, a request ahead that gives up lets it go sooner.
    @Test func waitsFollowTheRateAndTheQueue() throws {
        let (limiter, rate, time) = Self.throttled()
        let places = (0..<4).compactMap { _ in limiter.enqueue(now: time) }
        #expect(places.count >= 3)
        let last = places[places.count - 1]
        let before = limiter.wait(last, now: time)
        // Throttled again at the same instant: the rate drops and the same wait grows.
        let lower = limiter.responseReceived(throttled: true, now: time)
        #expect(lower < rate)
        let after = limiter.wait(last, now: time)
        #expect(after > before * (rate / lower) * 0.999, "before \(before) at \(rate)/s, after \(after) at \(lower)/s")
        // The first request gives up: the rest move up by one token.
        limiter.leave(places[0])
        #expect(abs(limiter.wait(last, now: time) - (after - 1 / lower)) < 1e-9)
        // A token taken but not sent comes back: the next request in line gets it at once.
        let (other, _, otherTime) = Self.throttled()
        var taken = 0
        var queuedPlace: UInt64?
        while queuedPlace == nil, taken < 10 {
            queuedPlace = other.enqueue(now: otherTime)
            if queuedPlace == nil { taken += 1 }
        }
        let place = try #require(queuedPlace)
        #expect(taken >= 1 && other.queued == 1)
        #expect(other.wait(place, now: otherTime) > 0)
        other.giveBack()
        #expect(other.wait(place, now: otherTime) == 0)
        #expect(other.queued == 0)
    }
}

/// The sender's wait for the limiter: a request that gives up (deadline,
/// cancellation) leaves the queue, so nothing behind it is held for ever.
@Suite(.timeLimit(.minutes(1)))
struct AdaptiveWaitTests {
    @Test func aRequestThatGivesUpLeavesTheQueue() async throws {
        let limiter = AdaptiveRateLimiter()
        for _ in 0..<8 {
            limiter.responseReceived(throttled: false)
            try await Task.sleep(for: .milliseconds(20))
        }
        limiter.responseReceived(throttled: true)
        // Take what the bucket holds, and queue one request ahead.
        var ahead: UInt64?
        for _ in 0..<20 where ahead == nil { ahead = limiter.enqueue() }
        let first = try #require(ahead)
        let sender = AWSRequestSender(
            service: "workspaces", region: "eu-west-1", endpoint: try Endpoint(url: "http://127.0.0.1:1"),
            context: APIContext(accountId: "123456789012", region: "eu-west-1"), credentials: nil, http: HTTPFetch.client)

        // A deadline too near: refused at once, and out of the queue.
        do {
            try await sender.waitForToken(limiter, operation: "DescribeWorkspaceImages", deadline: .now + .milliseconds(10))
            Issue.record("a wait past the deadline was accepted")
        } catch {
            guard case .deadlineExceeded = error else { Issue.record("\(error)"); return }
        }
        #expect(limiter.queued == 1)

        // Cancelled while waiting: out of the queue too.
        let waiting = Task { () -> AWSClientError? in
            do throws(AWSClientError) {
                try await sender.waitForToken(limiter, operation: "DescribeWorkspaceImages", deadline: nil)
                return nil
            } catch {
                return error
            }
        }
        for _ in 0..<100 where limiter.queued < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(limiter.queued == 2)
        waiting.cancel()
        let error = await waiting.value
        guard case .cancelled = error else { Issue.record("a cancelled wait ended with \(String(describing: error))"); return }
        #expect(limiter.queued == 1)

        // The one ahead gives up too; a later request still gets its token, in time.
        limiter.leave(first)
        #expect(limiter.queued == 0)
        try await sender.waitForToken(limiter, operation: "DescribeWorkspaceImages", deadline: .now + .seconds(10))
        #expect(limiter.queued == 0)
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
