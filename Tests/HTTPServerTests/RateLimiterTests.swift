import Testing
@testable import HTTPServer

/// The token bucket of `rate_limit`, as golang.org/x/time/rate's Allow.
@Suite struct RateLimiterTests {
    @Test func startsFullThenRefillsOneTokenPerInterval() async throws {
        let limiter = RateLimiter(.init(interval: .milliseconds(200), burst: 3))
        #expect((0..<3).allSatisfy { _ in limiter.allow() })
        #expect(!limiter.allow())
        try await Task.sleep(for: .milliseconds(250))
        #expect(limiter.allow())
        #expect(!limiter.allow())
    }

    @Test func neverHoldsMoreThanTheBurst() async throws {
        let limiter = RateLimiter(.init(interval: .milliseconds(10), burst: 2))
        try await Task.sleep(for: .milliseconds(100))
        #expect(limiter.allow() && limiter.allow())
        #expect(!limiter.allow())
    }

    @Test func burstZeroRefusesEverything() {
        let limiter = RateLimiter(.init(interval: .nanoseconds(1), burst: 0))
        #expect(!limiter.allow())
    }

    @Test func theLongestGoIntervalDoesNotOverflow() {
        let limiter = RateLimiter(.init(interval: .nanoseconds(Int64.max), burst: 1))
        #expect(limiter.allow())
        #expect(!limiter.allow())
    }

    @Test func answers429BeforeTheNextStage() async {
        let limiter = RateLimiter(.init(interval: .seconds(60), burst: 1))
        let request = HTTPRequest(method: "GET", path: "/", headers: [:])
        let first = await limiter.respond(to: request) { _ in HTTPResponse(status: 200) }
        let second = await limiter.respond(to: request) { _ in HTTPResponse(status: 200) }
        #expect(first.status == 200 && second.status == 429)
    }
}
