public import AWSCore
public import HTTPClient
public import Logging

/// What every target's collections share: the HTTP client, AWS settings and limits.
public struct CollectorSettings: Sendable {
    public var http: HTTPClient
    public var environment: Environment
    /// `--aws.endpoint-url`: the WorkSpaces endpoint for every region.
    public var endpointOverride: String?
    public var useFIPS: Bool
    /// Dual-stack (IPv6) endpoints: `AWS_USE_DUALSTACK_ENDPOINT`, `use_dualstack_endpoint`.
    public var useDualStack: Bool
    public var retryPolicy: RetryPolicy
    /// Pages one collection of one operation may read (`--workspaces.max-pages`).
    public var maxPages: Int
    /// How long a successful collection is reused (`--collector.min-interval`).
    public var minInterval: Duration
    /// How long one collection may run, whichever scrape started it (`--collector.timeout`).
    public var collectionTimeout: Duration
    /// Targets collected at once (`--collector.max-concurrency`).
    public var maxConcurrency: Int
    /// How long an image's shared accounts are reused (`--collector.image-permissions.interval`).
    public var imagePermissionsInterval: Duration
    public var logger: Logger

    public init(
        http: HTTPClient, environment: Environment = .process, endpointOverride: String? = nil, useFIPS: Bool = false, useDualStack: Bool = false,
        retryPolicy: RetryPolicy = RetryPolicy(), maxPages: Int = 1000, minInterval: Duration = .zero,
        collectionTimeout: Duration = .seconds(30), maxConcurrency: Int = 10, imagePermissionsInterval: Duration = .seconds(3600), logger: Logger
    ) {
        self.imagePermissionsInterval = imagePermissionsInterval
        self.http = http
        self.environment = environment
        self.endpointOverride = endpointOverride
        self.useFIPS = useFIPS
        self.useDualStack = useDualStack
        self.retryPolicy = retryPolicy
        self.maxPages = maxPages
        self.minInterval = minInterval
        self.collectionTimeout = collectionTimeout
        self.maxConcurrency = maxConcurrency
        self.logger = logger
    }

    /// The endpoint of `service` in `region`: `override`, else the
    /// `AWS_ENDPOINT_URL…` variables, else the partition's, with FIPS and dual-stack as set.
    public func endpoint(service: String, region: String, override: String? = nil) throws(AWSClientError) -> Endpoint {
        try Endpoint.resolve(service: service, region: region, override: override, useFIPS: useFIPS, useDualStack: useDualStack, environment: environment)
    }

    /// A request sender to `endpoint` with these settings' HTTP client,
    /// retry policy and logger, for the region the endpoint signs for
    /// (`region` unless it names another: the global services' us-east-1),
    /// counting into `observer` under `account` and that region.
    public func sender(
        service: String, region: String, endpoint: Endpoint, account: String, credentials: any CredentialProvider, observer: any APIObserver,
        maxBodyBytes: Int = 16 << 20
    ) -> AWSRequestSender {
        let signing = endpoint.signingRegion ?? region
        return AWSRequestSender(
            service: service, region: signing, endpoint: endpoint, context: APIContext(accountId: account, region: signing), credentials: credentials,
            http: http, retryPolicy: retryPolicy, observer: observer, maxBodyBytes: maxBodyBytes, logger: logger)
    }
}
