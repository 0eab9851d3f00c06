import Testing
@testable import AWSCore

@Suite struct RetryPolicyTests {
    @Test(arguments: [
        (AWSClientError.service(code: "ThrottlingException", message: "", status: 400), "throttling"),
        (.service(code: "Throttling", message: "", status: 400), "throttling"),
        (.service(code: "TooManyRequestsException", message: "", status: 400), "throttling"),
        (.service(code: "RequestLimitExceeded", message: "", status: 503), "throttling"),
        (.service(code: "429", message: "", status: 429), "throttling"),
        (.service(code: "InternalServerException", message: "", status: 500), "server_error"),
        (.service(code: "503", message: "", status: 503), "server_error"),
        (.service(code: "RequestTimeoutException", message: "", status: 408), "server_error"),
        (.transport("connection closed by the server"), "transport"),
        (.transport("read timed out", timedOut: true), "timeout"),
    ])
    func retryable(error: AWSClientError, reason: String) {
        #expect(RetryPolicy.retryReason(error) == reason)
    }

    @Test(arguments: [
        AWSClientError.service(code: "AccessDeniedException", message: "", status: 400),
        .service(code: "SignatureDoesNotMatch", message: "", status: 403),
        .service(code: "ValidationException", message: "", status: 400),
        .invalidResponse("bad json"), .credentials(source: "x", reason: "y"), .pagination("loop"),
        .deadlineExceeded("late"),
    ])
    func notRetryable(error: AWSClientError) {
        #expect(RetryPolicy.retryReason(error) == nil)
    }

    /// One decision for the AWS calls and the SSO calls: retried while the
    /// failure may pass, attempts remain, the delay fits the deadline and
    /// the quota lasts.
    @Test func retryAfterAFailure() {
        let throttled = AWSClientError.service(code: "ThrottlingException", message: "", status: 400)
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.retry(after: throttled, attempt: 1, deadline: nil)?.reason == "throttling")
        #expect(policy.retry(after: .service(code: "AccessDeniedException", message: "", status: 400), attempt: 1, deadline: nil) == nil)
        #expect(policy.retry(after: throttled, attempt: 3, deadline: nil) == nil, "attempts spent")
        // The second retry's delay is up to 2 s: a deadline already passed leaves no room.
        #expect(policy.retry(after: throttled, attempt: 2, deadline: .now - .seconds(1)) == nil)
        let before = policy.quota.available
        _ = policy.retry(after: .transport("timed out", timedOut: true), attempt: 1, deadline: nil)
        #expect(policy.quota.available == before - 10, "a timeout costs 10")
        let drained = RetryPolicy(maxAttempts: 3)
        while drained.retry(after: throttled, attempt: 1, deadline: nil) != nil {}
        #expect(drained.quota.available < 5, "no retry once the quota is empty")
    }

    @Test func delayIsRandomTimesCappedExponential() {
        let policy = RetryPolicy()
        #expect(policy.delay(beforeRetry: 0, random: 0.5) == .milliseconds(500))
        #expect(policy.delay(beforeRetry: 1, random: 0.5) == .seconds(1))
        #expect(policy.delay(beforeRetry: 3, random: 1) == .seconds(8))
        #expect(policy.delay(beforeRetry: 5, random: 1) == .seconds(20))
        #expect(policy.delay(beforeRetry: 60, random: 1) == .seconds(20))
        #expect(policy.delay(beforeRetry: 2, random: 0) == .zero)
        for _ in 0..<100 { #expect(policy.delay(beforeRetry: 1) < .seconds(2)) }
    }

    @Test func quotaRunsOutAndRefills() {
        let quota = RetryQuota()
        var granted = 0
        while quota.acquire(timeout: false) { granted += 1 }
        #expect(granted == RetryQuota.capacity / 5)
        #expect(!quota.acquire(timeout: false))
        for _ in 0..<5 { quota.release() }
        #expect(quota.acquire(timeout: false))
        #expect(!quota.acquire(timeout: true))
        for _ in 0..<1000 { quota.release() }
        #expect(quota.available == RetryQuota.capacity)
    }
}
