import Testing
@testable import HTTPServer

/// The token bucket of `rate_limit`, as golang.org/x/time/rate's Allow.
@Suite struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test func startsFullThenRefillsOneTokenPerInterval() {
        let limiter = RateLimiter(.init(interval: .milliseconds(200), burst: 3), now: start)
        #expect((0..<3).allSatisfy { _ in limiter.allow(now: start) })
        #expect(!limiter.allow(now: start + .milliseconds(150)))
        #expect(limiter.allow(now: start + .milliseconds(250)))
        #expect(!limiter.allow(now: start + .milliseconds(300)))
        #expect(limiter.allow(now: start + .milliseconds(450)))
    }

    @Test func neverHoldsMoreThanTheBurst() {
        let limiter = RateLimiter(.init(interval: .milliseconds(10), burst: 2), now: start)
        #expect(limiter.allow(now: start + .seconds(100)) && limiter.allow(now: start + .seconds(100)))
        #expect(!limiter.allow(now: start + .seconds(100)))
    }

    @Test func burstZeroRefusesEverything() {
        let limiter = RateLimiter(.init(interval: .nanoseconds(1), burst: 0))
        #expect(!limiter.allow())
    }

    @Test func theLongestGoIntervalDoesNotOverflow() {
        let limiter = RateLimiter(.init(interval: .nanoseconds(Int64.max), burst: 1), now: start)
        #expect(limiter.allow(now: start))
        #expect(!limiter.allow(now: start + .seconds(86_400 * 365)))
    }

    @Test func answers429BeforeTheNextStage() async {
        let limiter = RateLimiter(.init(interval: .seconds(60), burst: 1))
        let request = HTTPRequest(method: "GET", path: "/", headers: [:])
        let first = await limiter.respond(to: request) { _ in HTTPResponse(status: 200) }
        let second = await limiter.respond(to: request) { _ in HTTPResponse(status: 200) }
        #expect(first.status == 200 && second.status == 429)
    }
}
