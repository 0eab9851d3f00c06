public import HTTPClient
public import Logging

/// Signs, sends and retries the requests of one AWS service in one region,
/// and reports every attempt to the observer: what the WorkSpaces JSON
/// operations and the STS query operations have in common.
public struct AWSRequestSender: Sendable {
    public let service: String
    public let region: String
    /// Codes by which AWS refuses credentials that expired or no longer exist.
    /// Codes by which AWS refuses credentials that expired or no longer exist,
    /// with the age (seconds) cached credentials must have to be dropped for it.
    static let staleCredentialCodes: [String: Double] = [
        "ExpiredToken": 0, "ExpiredTokenException": 0, "InvalidClientTokenId": 60, "UnrecognizedClientException": 60,
    ]
    public let endpoint: Endpoint
    /// Who the requests are for, in the API metrics.
    public let context: APIContext
    /// Nil for unsigned requests (`AssumeRoleWithWebIdentity`).
    let credentials: (any CredentialProvider)?
    let http: HTTPClient
    let retryPolicy: RetryPolicy
    let observer: any APIObserver
    let requestTimeout: Duration
    /// Largest response body accepted; a bigger one fails the request.
    public let maxBodyBytes: Int
    let clock: ClockSkew
    let logger: Logger

    public init(
        service: String, region: String, endpoint: Endpoint, context: APIContext, credentials: (any CredentialProvider)?,
        http: HTTPClient, retryPolicy: RetryPolicy = RetryPolicy(), observer: any APIObserver = NoAPIObserver(),
        requestTimeout: Duration = .seconds(30), maxBodyBytes: Int = 16 << 20, clock: ClockSkew = .shared,
        logger: Logger = Logger(label: "aws")
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.context = context
        self.credentials = credentials
        self.http = http
        self.retryPolicy = retryPolicy
        self.observer = observer
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
        self.clock = clock
        self.logger = logger
    }

    /// A copy reporting its attempts under another context.
    public func with(context: APIContext) -> AWSRequestSender {
        AWSRequestSender(
            service: service, region: region, endpoint: endpoint, context: context, credentials: credentials, http: http,
            retryPolicy: retryPolicy, observer: observer, requestTimeout: requestTimeout, maxBodyBytes: maxBodyBytes,
            clock: clock, logger: logger)
    }

    /// POSTs `body` with `headers` (besides `Host` and the signature) and
    /// returns the 2xx body. Retries in the SDKs' standard mode while
    /// attempts, the retry quota and `deadline` allow; a signature refused as
    /// skewed is retried once at once with the clock corrected.
    public func send(operation: String, headers: [(name: String, value: String)], body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        let clock = ContinuousClock()
        var attempt = 0
        var skewRetried = false
        var credentialsRetried = false
        // The access key id the last attempt was signed with.
        var signedWith: String?
        let limiter = retryPolicy.limiters?.limiter(service: service, region: region, account: context.accountId)
        while true {
            attempt += 1
            if let limiter { try await waitForToken(limiter, operation: operation, deadline: deadline) }
            let start = clock.now
            let offsetUsed = self.clock.currentOffset
            let failure: AWSClientError
            var dateHeader: String?
            do {
                let response = try await sendOnce(operation: operation, headers: headers, body: body, deadline: deadline, signedWith: &signedWith)
                let seconds = start.duration(to: clock.now) / .seconds(1)
                if (200..<300).contains(response.status) {
                    observer.attemptFinished(context, operation: operation, code: KnownErrorCodes.metricCode(status: response.status), seconds: seconds)
                    retryPolicy.quota.release()
                    limiter?.responseReceived(throttled: false)
                    return response.body
                }
                failure = AWSErrorParser.parse(status: response.status, errorTypeHeader: response.header("x-amzn-ErrorType"), body: response.body)
                limiter?.responseReceived(throttled: RetryPolicy.retryReason(failure) == "throttling")
                dateHeader = response.header("Date")
                observer.attemptFinished(context, operation: operation, code: KnownErrorCodes.metricCode(failure), seconds: seconds)
            } catch {
                failure = error
                observer.attemptFinished(context, operation: operation, code: KnownErrorCodes.metricCode(error), seconds: start.duration(to: clock.now) / .seconds(1))
                switch error {
                case .transport:
                    // As botocore: a request that got no answer still counts in the measured rate.
                    limiter?.responseReceived(throttled: false)
                case .credentials, .invalidEndpoint, .configuration, .deadlineExceeded:
                    // Nothing was sent: the token goes back.
                    limiter?.giveBack()
                default:
                    break
                }
            }
            // Learned now, or by a concurrent request since this one was signed.
            if !skewRetried, case let .service(code, _, _) = failure, ClockSkew.errorCodes.contains(code) {
                let learned = self.clock.correct(errorCode: code, dateHeader: dateHeader)
                if learned {
                    logger.warning("corrected the clock offset from AWS's Date header after a skewed signature", metadata: [
                        "operation": "\(operation)", "region": "\(region)", "code": "\(code)", "offset_seconds": "\(Int(self.clock.currentOffset))",
                        "clamped": "\(abs(self.clock.currentOffset) >= ClockSkew.maxOffset)",
                    ])
                }
                if learned || abs(self.clock.currentOffset - offsetUsed) > ClockSkew.threshold {
                    skewRetried = true
                    attempt -= 1
                    continue
                }
            }
            // Credentials AWS calls expired or unknown (revoked early, rotated):
            // forget the cached ones and try once more with fresh ones.
            // Only the key that was refused, and only if still cached; codes that
            // also mean "a region not enabled" only for keys cached a minute or
            // more, so a fresh key refused is not fetched again on every call.
            if !credentialsRetried, let credentials, let signedWith, case let .service(code, _, _) = failure,
               let minimumAge = Self.staleCredentialCodes[code],
               await credentials.invalidate(accessKeyId: signedWith, minimumAge: minimumAge) {
                credentialsRetried = true
                logger.warning("AWS refused the cached credentials; fetching new ones and trying again", metadata: [
                    "operation": "\(operation)", "region": "\(region)", "code": "\(code)",
                ])
                attempt -= 1
                continue
            }
            guard let (reason, delay) = retryPolicy.retry(after: failure, attempt: attempt, deadline: deadline) else { throw failure }
            observer.retrying(context, operation: operation, reason: reason)
            logger.debug("retrying an AWS request", metadata: [
                "operation": "\(operation)", "region": "\(region)", "reason": "\(reason)", "code": "\(failure.code)",
                "attempt": "\(attempt + 1)", "delay_ms": "\(Int(delay / .milliseconds(1)))",
            ])
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .cancelled("cancelled while waiting to retry \(operation) after \(reason)")
            }
        }
    }

    /// Adaptive mode: waits for the client's rate limiter, without holding a
    /// thread, looking again at least every ``rateRecheck`` (the rate may
    /// have changed, a request ahead may have given up). A wait that would
    /// pass the deadline leaves the queue and fails at once, so that the
    /// scrape is answered in time.
    func waitForToken(_ limiter: AdaptiveRateLimiter, operation: String, deadline: ContinuousClock.Instant?) async throws(AWSClientError) {
        guard let place = limiter.enqueue() else { return }
        let start = ContinuousClock.now
        var slept = false
        // Only time actually slept is counted.
        defer { if slept { observer.rateLimited(context, operation: operation, seconds: start.duration(to: .now) / .seconds(1)) } }
        while true {
            let wait = limiter.wait(place)
            guard wait > 0 else { return }
            // Rounded up, and at least a millisecond, so that a tiny remainder is slept rather than spun on.
            let delay = Duration.nanoseconds(Int64((min(max(wait, 0.001), 3600) * 1e9).rounded(.up)))
            if let deadline, ContinuousClock.now.advanced(by: delay) >= deadline {
                limiter.leave(place)
                throw .deadlineExceeded("the adaptive retry mode's sending rate for \(service) in \(region) leaves no time for \(operation) before the scrape's deadline")
            }
            slept = true
            do {
                try await Task.sleep(for: min(delay, Self.rateRecheck))
            } catch {
                limiter.leave(place)
                throw .cancelled("cancelled while waiting for the adaptive retry mode's rate limit before \(operation)")
            }
        }
    }

    /// The longest a request waiting for the adaptive limiter sleeps before
    /// it looks at the rate again.
    static let rateRecheck: Duration = .seconds(1)

    /// How far past the scrape's deadline a request may run before it times out itself.
    static let deadlineGrace: Duration = .milliseconds(250)

    /// One attempt: the answer whatever its status, or a failure to get one.
    func sendOnce(
        operation: String, headers: [(name: String, value: String)], body: [UInt8], deadline: ContinuousClock.Instant?,
        signedWith: inout String?
    ) async throws(AWSClientError) -> HTTPClientResponse {
        var timeout = requestTimeout
        var deadlineBinds = false
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw .deadlineExceeded("no time left in the scrape's budget for another \(operation) request")
            }
            // A little past the deadline: the collection's own deadline fires
            // first and cancels the request, which then counts as Cancelled.
            if remaining + Self.deadlineGrace < timeout {
                timeout = remaining + Self.deadlineGrace
                deadlineBinds = true
            }
        }
        var all = [(name: "Host", value: endpoint.hostHeader)] + headers
        if let credentials {
            let resolved = try await credentials.credentials()
            signedWith = resolved.accessKeyId
            all = SigV4Signer(region: endpoint.signingRegion ?? region, service: service).sign(
                SigV4Signer.Request(method: "POST", path: endpoint.path, headers: all, body: body),
                credentials: resolved, date: clock.signingTime)
        }
        let request = HTTPClientRequest(method: "POST", url: endpoint.parts, headers: all, body: body, timeout: timeout, maxResponseBytes: maxBodyBytes)
        do {
            return try await http.execute(request)
        } catch {
            switch error {
            case .timedOut where deadlineBinds:
                throw .cancelled("the scrape's deadline passed during the \(operation) request")
            case let .timedOut(detail):
                throw .transport("timed out after \(timeout): \(detail)", timedOut: true)
            case .cancelled:
                throw .cancelled("the \(operation) request was cancelled")
            case .shutDown:
                throw .cancelled("the exporter is shutting down")
            case let .tooLarge(limit):
                throw .invalidResponse("response body larger than \(limit) bytes")
            case let .transport(detail):
                throw .transport(detail)
            }
        }
    }
}
