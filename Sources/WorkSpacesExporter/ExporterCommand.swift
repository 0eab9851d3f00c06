import AWSCore
import AWSWorkSpaces
import ArgumentParser
import Discovery
import ExporterEndpoints
import Exposition
import HTTPClient
import HTTPServer
import Logging
import ProcessMetrics
import ServiceLifecycle
import StructuredLogging
import Support
import UnixSignals
import WorkSpacesCollector
#if canImport(Glibc)
import Glibc
#endif

/// `workspaces_exporter`: flags in the Prometheus style, wiring, and the
/// services that run until SIGTERM or SIGINT.
@main
struct ExporterCommand: AsyncParsableCommand {
    /// Default port, from the range Prometheus allocates to exporters; see the README.
    static let defaultPort = 10027

    static let configuration = CommandConfiguration(
        commandName: "workspaces_exporter",
        abstract: "Prometheus exporter for Amazon WorkSpaces images, bundles and WorkSpaces.",
        version: BuildInfo.current.printed(program: "workspaces_exporter"))

    @Option(name: .customLong("web.listen-address"), help: "Address on which to expose metrics and the web interface; repeat for several (e.g. IPv4 and IPv6).")
    var listenAddresses: [String] = [":\(ExporterCommand.defaultPort)"]

    @Flag(name: .customLong("web.systemd-socket"), help: "Use the sockets systemd passes (socket activation) instead of --web.listen-address.")
    var systemdSocket = false

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(name: .customLong("web.config.file"), help: "Path to a web config file (exporter-toolkit format) for TLS, basic authentication and response headers.")
    var webConfigFile: String?

    @Flag(name: .customLong("web.metrics-targets"), inversion: .prefixedNo, help: "Collect every target on each scrape of the telemetry path. With --no-web.metrics-targets it serves only the exporter's own metrics, and Prometheus scrapes each target through /probe?target=ACCOUNT_ID/REGION (targets listed at /sd).")
    var metricsTargets = true

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable reloading the configuration via HTTP POST to /-/reload.")
    var enableLifecycle = false

    @Option(name: .customLong("web.max-requests"), help: "Maximum number of scrapes served at once; beyond it the answer is 503. 0 means no limit.")
    var maxRequests = 40

    @Option(name: .customLong("web.max-connections"), help: "Connections kept open; past it each new connection closes the oldest one waiting for a request.")
    var maxConnections = 1024

    @Option(name: .customLong("web.max-connections-per-ip"), help: "Maximum number of open connections from one IP address. 0 means no limit.")
    var maxConnectionsPerIP = 0

    @Option(name: .customLong("web.idle-timeout"), help: "How long a connection may wait for its next request after an answer (e.g. 60s).")
    var idleTimeout = DurationValue(.seconds(60))

    @Option(name: .customLong("web.read-header-timeout"), help: "How long a new connection may take to send a complete request (e.g. 10s).")
    var readHeaderTimeout = DurationValue(.seconds(10))

    @Option(name: .customLong("web.max-header-bytes"), help: "Bytes allowed for the request line and headers: a longer URL gets 414, longer headers 431.")
    var maxHeaderBytes = 16 * 1024

    @Option(name: .customLong("config.file"), help: "YAML file listing the accounts (roles) and regions to collect; see the README. Reloaded on SIGHUP.")
    var configFile: String?

    @Flag(name: .customLong("config.check"), help: "Check --config.file and exit: 0 when valid, 1 with the problems otherwise.")
    var configCheck = false

    @Flag(name: .customLong("aws.check-credentials"), help: "Find credentials and the region as a scrape would, print which source answered (botocore's names), the access key id's last four characters and the region, and exit: 0 when both are found, 1 otherwise. Never prints a secret.")
    var checkCredentials = false

    @Option(name: .customLong("aws.region"), help: "AWS region to collect; repeat for several (collected concurrently). Default: AWS_REGION, then AWS_DEFAULT_REGION.")
    var regions: [String] = []

    @Option(name: .customLong("aws.endpoint-url"), help: "WorkSpaces endpoint URL, for emulators and VPC endpoints. Default: AWS_ENDPOINT_URL_WORKSPACES, then AWS_ENDPOINT_URL, then the region's public endpoint.")
    var endpointURL: String?

    @Option(name: .customLong("aws.account-id"), help: "The account of the credentials, for the account_id label. Default: from --aws.role-arn, else STS GetCallerIdentity.")
    var accountId: String?

    @Option(name: .customLong("workspaces.image-type"), help: "Only OWNED or SHARED images. Default: both.")
    var imageType: ImageTypeOption?

    @Option(name: .customLong("workspaces.image-id"), help: "Only these image ids; repeat for several. More than 25 are split into several request chains.")
    var imageIds: [String] = []

    @Option(name: .customLong("workspaces.page-size"), help: "MaxResults per DescribeWorkspaceImages page, 1 to 25.")
    var pageSize = 25

    @Option(name: .customLong("workspaces.max-pages"), help: "Pages one collection of one operation may read before it gives up, in case NextToken never ends.")
    var maxPages = 1000

    @Option(name: .customLong("aws.role-arn"), help: "Role to assume with the credentials found, for cross-account use.")
    var roleArn: String?

    @Option(name: .customLong("aws.external-id"), help: "External ID for --aws.role-arn.")
    var externalId: String?

    @Option(name: .customLong("aws.role-session-name"), help: "Session name for --aws.role-arn. Default: generated.")
    var roleSessionName: String?

    @Flag(name: .customLong("aws.use-fips-endpoint"), help: "Use FIPS endpoints (also AWS_USE_FIPS_ENDPOINT=true).")
    var useFIPS = false

    @Option(name: .customLong("aws.max-attempts"), help: "Attempts per API request, retries included. Default: AWS_MAX_ATTEMPTS, else the profile's max_attempts, else 3 (5 with retry_mode legacy).")
    var maxAttempts: Int?

    @Option(name: .customLong("collector.timeout"), help: "How long a collection may take (e.g. 30s), and the scrape's budget when the scraper sends no X-Prometheus-Scrape-Timeout-Seconds.")
    var collectorTimeout = DurationValue(.seconds(30))

    @Option(name: .customLong("collector.timeout-offset"), help: "Taken off X-Prometheus-Scrape-Timeout-Seconds, to leave time to answer (e.g. 500ms).")
    var timeoutOffset = DurationValue(.milliseconds(500))

    @Option(name: .customLong("collector.min-interval"), help: "Each target's API budget: a collection starts at most once per this interval, whoever scrapes or probes; within it the last successful collection is served (aws_workspaces_collection_age_seconds says how old). A failed collection is retried by the next scrape, at most twice per interval. 0 collects on every scrape, which lets any client that reaches the exporter call the API as often as it asks.")
    var minInterval = DurationValue(.seconds(30))

    @Option(name: .customLong("collector.max-concurrency"), help: "Targets (account and region pairs) collected at once.")
    var maxConcurrency = 10

    @Flag(name: .customLong("collector.bundles"), inversion: .prefixedNo, help: "The bundles collector (DescribeWorkspaceBundles): which own bundles use each image.")
    var bundlesCollector = true

    @Flag(name: .customLong("collector.workspaces"), inversion: .prefixedNo, help: "The workspaces collector (DescribeWorkspaces): WorkSpaces per bundle and image. Costs ceil(N/25) API calls per collection for N WorkSpaces.")
    var workspacesCollector = false

    @Flag(name: .customLong("collector.image-permissions"), inversion: .prefixedNo, help: "The image-permissions collector (DescribeWorkspaceImagePermissions): the accounts each owned image is shared with, and how many are outside the organisation when Organizations discovery lists it. One API call per owned image per --collector.image-permissions.interval.")
    var imagePermissionsCollector = false

    @Flag(name: .customLong("collector.account-alias"), inversion: .prefixedNo, help: "The account-alias collector (IAM ListAccountAliases, once per account per hour): the alias in aws_workspaces_account_info{account_alias}.")
    var accountAliasCollector = false

    @Option(name: .customLong("collector.image-permissions.interval"), help: "How long an image's shared accounts are reused before DescribeWorkspaceImagePermissions is called again for it (e.g. 1h).")
    var imagePermissionsInterval = DurationValue(.seconds(3600))

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel: LogLevelOption = .info

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    /// The flags a config file replaces.
    var targetFlagsGiven: [String] {
        var given: [String] = []
        if !regions.isEmpty { given.append("--aws.region") }
        if roleArn != nil { given.append("--aws.role-arn") }
        if externalId != nil { given.append("--aws.external-id") }
        if roleSessionName != nil { given.append("--aws.role-session-name") }
        if accountId != nil { given.append("--aws.account-id") }
        if imageType != nil { given.append("--workspaces.image-type") }
        if !imageIds.isEmpty { given.append("--workspaces.image-id") }
        return given
    }

    var enabledCollectors: Set<CollectorKind> {
        var kinds: Set<CollectorKind> = [.images]
        if bundlesCollector { kinds.insert(.bundles) }
        if workspacesCollector { kinds.insert(.workspaces) }
        if imagePermissionsCollector { kinds.insert(.imagePermissions) }
        if accountAliasCollector { kinds.insert(.accountAlias) }
        return kinds
    }

    func validate() throws {
        guard WorkSpacesModel.maxResultsRange.contains(pageSize) else {
            throw ValidationError("--workspaces.page-size must be from 1 to 25, not \(pageSize)")
        }
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/", !telemetryPath.hasPrefix("/-/") else {
            throw ValidationError("--web.telemetry-path must start with / and be neither / (the landing page) nor under /-/, not \"\(telemetryPath)\"")
        }
        if !systemdSocket {
            guard !listenAddresses.isEmpty else { throw ValidationError("--web.listen-address needs at least one address") }
            for address in listenAddresses {
                do { _ = try ListenAddress.parse(address) } catch { throw ValidationError(error.description) }
            }
        }
        if let maxAttempts, !(1...100).contains(maxAttempts) { throw ValidationError("--aws.max-attempts must be from 1 to 100") }
        guard collectorTimeout.duration > .zero, collectorTimeout.duration <= .seconds(86_400) else { throw ValidationError("--collector.timeout must be more than 0 and at most 24h") }
        guard timeoutOffset.duration <= .seconds(3600) else { throw ValidationError("--collector.timeout-offset must be at most 1h") }
        guard minInterval.duration <= .seconds(86_400) else { throw ValidationError("--collector.min-interval must be at most 24h") }
        guard (1...1000).contains(maxConcurrency) else { throw ValidationError("--collector.max-concurrency must be from 1 to 1000") }
        guard imagePermissionsInterval.duration <= .seconds(7 * 86_400) else { throw ValidationError("--collector.image-permissions.interval must be at most 1w") }
        guard maxPages >= 1 else { throw ValidationError("--workspaces.max-pages must be 1 or more") }
        guard maxRequests >= 0 else { throw ValidationError("--web.max-requests must be 0 (no limit) or more") }
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--web.max-connections must be from 1 to 1000000") }
        guard maxConnectionsPerIP >= 0 else { throw ValidationError("--web.max-connections-per-ip must be 0 (no limit) or more") }
        guard idleTimeout.duration >= .seconds(1) else { throw ValidationError("--web.idle-timeout must be at least 1s") }
        guard readHeaderTimeout.duration >= .milliseconds(100) else { throw ValidationError("--web.read-header-timeout must be at least 100ms") }
        guard (1024...1_048_576).contains(maxHeaderBytes) else { throw ValidationError("--web.max-header-bytes must be from 1024 to 1048576") }
        if externalId != nil || roleSessionName != nil, roleArn == nil {
            throw ValidationError("--aws.external-id and --aws.role-session-name need --aws.role-arn")
        }
        if let roleArn, !AccountID.isRoleARN(roleArn) {
            throw ValidationError("--aws.role-arn \"\(roleArn)\" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
        }
        if let accountId, !AccountID.isValid(accountId) { throw ValidationError("--aws.account-id must be 12 digits") }
        if configCheck, configFile == nil { throw ValidationError("--config.check needs --config.file") }
        if configCheck, checkCredentials { throw ValidationError("--config.check and --aws.check-credentials are separate checks: give one") }
        if configFile != nil, !targetFlagsGiven.isEmpty {
            throw ValidationError("--config.file describes the targets; remove \(targetFlagsGiven.joined(separator: ", ")) or the file")
        }
    }

    func run() async throws {
        HeapTuning.configure()
        let format = logFormat
        let level = logLevel.level
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "workspaces_exporter")

        if configCheck, let configFile {
            do {
                let file = try configured(configFile)
                let targets = file.targets
                var summary = "config file \(configFile) is valid: \(targets.count) target\(targets.count == 1 ? "" : "s") (account and region pairs)"
                if !file.sources.isEmpty {
                    summary += " and \(file.sources.count) organizations entr\(file.sources.count == 1 ? "y" : "ies") (accounts discovered while running)"
                }
                print(summary)
                return
            } catch {
                print("\(error)")
                throw ExitCode.failure
            }
        }

        if checkCredentials {
            signal(SIGPIPE, SIG_IGN)
            let environment = AWSCore.Environment.process
            let (aws, retryPolicy, http) = try awsClient(environment: environment, logger: logger)
            let check = CredentialCheck(
                regions: regions, roleArn: roleArn, externalId: externalId, roleSessionName: roleSessionName, useFIPS: useFIPS || aws.useFIPS,
                useDualStack: aws.useDualStack, instanceMetadata: aws.instanceMetadata,
                environment: environment, http: http, retryPolicy: retryPolicy, processTimeout: collectorTimeout.duration, logger: logger)
            let passed = await check.run()
            await http.shutdown()
            if !passed { throw ExitCode.failure }
            return
        }

        // Before anything can deliver them: SIGPIPE from a closed socket must
        // not end the process, and neither may SIGUSR1/2 (trapped below).
        signal(SIGPIPE, SIG_IGN)
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1, .sigusr2)
        Self.raiseFileLimit(logger: logger)

        do {
            try await serve(signals: signals, logger: logger)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            logger.error("cannot start", metadata: ["err": "\(error)"])
            throw ExitCode.failure
        }
    }

    /// The one place a config file becomes what to collect: at start-up,
    /// for `--config.check`, and on every reload.
    static func configured(_ path: String, collectors: Set<CollectorKind>, pageSize: Int) throws -> Configured {
        let file = try ConfigFile.load(path)
        return Configured(targets: file.targets(collectors: collectors, pageSize: pageSize), sources: file.organizations)
    }

    private func configured(_ path: String) throws -> Configured {
        try Self.configured(path, collectors: enabledCollectors, pageSize: pageSize)
    }

    private func serve(signals: UnixSignalsSequence, logger: Logger) async throws {
        let environment = AWSCore.Environment.process
        let listeners: [HTTPServer.Listener]
        if systemdSocket {
            listeners = try SystemdSockets.take().map { .inherited(descriptor: $0) }
        } else {
            listeners = try listenAddresses.map { .address(try ListenAddress.parse($0)) }
        }
        var web = WebConfiguration()
        if let webConfigFile {
            web = try WebConfiguration.load(path: webConfigFile)
            for warning in web.warnings { logger.warning("web config", metadata: ["file": "\(webConfigFile)", "warning": "\(warning)"]) }
        }
        let (aws, retryPolicy, http) = try awsClient(environment: environment, logger: logger)
        let useFIPS = self.useFIPS || aws.useFIPS

        let collectors = enabledCollectors
        let targets: [Target]
        var sources: [OrganizationsSource] = []
        if let configFile {
            let file = try configured(configFile)
            targets = file.targets
            sources = file.sources
        } else {
            let resolved = try await RegionResolver.resolve(
                flag: regions, environment: environment, instanceMetadata: InstanceMetadataClient(settings: aws.instanceMetadata, httpClient: http))
            let role = roleArn.map { DefaultCredentialChain.Role(arn: $0, externalId: externalId, sessionName: roleSessionName) }
            targets = resolved.map {
                Target(role: role, accountId: accountId, region: $0,
                       query: ImageQuery(imageType: imageType?.value, imageIds: imageIds, pageSize: pageSize), collectors: collectors)
            }
        }
        let apiMetrics = APIMetrics()
        let stsRegion = targets.first?.region ?? sources.first?.regions.first ?? "us-east-1"
        let sts = STSClient(
            region: stsRegion,
            endpoint: try Endpoint.resolve(service: "sts", region: stsRegion, override: nil, useFIPS: useFIPS, useDualStack: aws.useDualStack, environment: environment),
            httpClient: http, retryPolicy: retryPolicy, observer: apiMetrics, logger: logger)
        // A credential helper ends a little before the collection's deadline,
        // so that the log says the helper hung rather than only that time ran out.
        let processTimeout = collectorTimeout.duration - min(collectorTimeout.duration / 4, .seconds(1))
        let base = DefaultCredentialChain.make(
            environment: environment, httpClient: http, sts: sts, processTimeout: processTimeout, instanceMetadata: aws.instanceMetadata, logger: logger)
        let settings = CollectorSettings(
            http: http, environment: environment, endpointOverride: endpointURL, useFIPS: useFIPS, useDualStack: aws.useDualStack, retryPolicy: retryPolicy,
            maxPages: maxPages, minInterval: minInterval.duration, collectionTimeout: collectorTimeout.duration,
            maxConcurrency: maxConcurrency, imagePermissionsInterval: imagePermissionsInterval.duration, logger: logger)
        // One way: configuration → registry (targets, discovery) → collector;
        // the handler composes the scrape from the collector and the exporter's own families.
        let collector = try WorkSpacesCollector(settings: settings, baseCredentials: base, sts: sts, targets: [], apiMetrics: apiMetrics)
        let registry = TargetRegistry(
            collector: collector, settings: settings, baseCredentials: base, sts: sts, collectors: collectors, pageSize: pageSize)
        try registry.configure(staticTargets: targets, sources: sources)
        let (enabled, size) = (collectors, pageSize)
        let reloader = ConfigReloader(path: configFile, registry: registry, logger: logger) { path in
            try Self.configured(path, collectors: enabled, pageSize: size)
        }

        let reloadNow: @Sendable () -> String? = { reloader.reload() }
        let reload = enableLifecycle ? reloadNow : nil
        let ownFamilies: @Sendable () -> [MetricFamily] = {
            var families = ProcessMetrics.families()
            families += reloader.families()
            families += HTTPClientMetrics.families(http)
            families += registry.families()
            return families
        }
        // Requests are handled on threads of their own, where the HTTP client
        // does the I/O of a kept connection inline (WorkerThreads.blockHere):
        // a probe's requests then take no hops between threads. At most 64;
        // past 56 blocked at once, requests hand their I/O to the client's
        // own workers, so that handlers always have threads.
        let scrapeThreads = WorkerThreads(name: "scrape", maxThreads: 64)
        let handler = ExporterHandler(
            telemetryPath: telemetryPath, collector: collector, version: BuildInfo.current.version,
            defaultTimeout: collectorTimeout.duration, timeoutOffset: timeoutOffset.duration, maxRequests: maxRequests,
            reload: reload, metricsTargets: metricsTargets, ready: { registry.isReady }, unsettledSources: { registry.unsettled() },
            ownFamilies: ownFamilies)
        let server = try HTTPServer(
            configuration: .init(
                listeners: listeners, idleTimeout: idleTimeout.duration, readHeaderTimeout: readHeaderTimeout.duration,
                maxConnections: maxConnections, maxConnectionsPerIP: maxConnectionsPerIP, maxHeaderBytes: maxHeaderBytes,
                web: web, webConfigFile: webConfigFile, logger: Logger(label: "http"), executor: scrapeThreads),
            handler: handler)
        logger.info("listening", metadata: [
            "address": "\(zip(listeners, server.ports).map { listener, port in Self.describe(listener, port: port) }.joined(separator: ","))",
            "version": "\(BuildInfo.current.version)", "revision": "\(BuildInfo.current.revision)", "telemetry_path": "\(telemetryPath)",
            "tls": "\(web.tls != nil)", "basic_auth": "\(web.basicAuth != nil)", "targets": "\(targets.count)",
            "organizations": "\(sources.count)", "metrics_targets": "\(metricsTargets)",
        ])

        // Stopped in reverse order: the server drains first, the HTTP client last.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: HTTPClientService(client: http)),
                .init(service: SignalService(signals: signals, reloader: reloader, logger: logger)),
                .init(service: DiscoveryService(registry: registry)),
                .init(service: HTTPServerService(server: server, gracePeriod: .seconds(5), logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "lifecycle")))
        try await group.run()
        logger.info("stopped")
    }

    /// The AWS settings of the environment and the profile, and the retry
    /// policy and HTTP client every AWS call uses, from them and the flags.
    func awsClient(environment: AWSCore.Environment, logger: Logger) throws -> (AWSSettings, RetryPolicy, HTTPClient) {
        let aws: AWSSettings
        do {
            aws = try AWSSettings.load(environment: environment)
        } catch {
            throw StartupError(error.message)
        }
        // Unset, the exporter retries in standard mode (botocore's default is legacy).
        let mode = aws.retryModeSet ? aws.retryMode : .standard
        let attempts = maxAttempts ?? aws.maxAttempts ?? mode.defaultMaxAttempts
        let proxies = ProxySettings { environment[$0] }
        if let name = proxies.unusable.first {
            // Fail closed: going direct would reach what only the proxy may. The
            // value itself may hold a password: only the variable is named.
            throw StartupError(
                "\(name) (or its lower-case form) names a proxy this exporter cannot use: only http:// and https:// proxy URLs, [http[s]://][user:password@]host[:port], are supported; fix or unset it")
        }
        // As botocore: AWS_CA_BUNDLE, else the profile's ca_bundle.
        let caBundle = environment["AWS_CA_BUNDLE"] ?? SharedConfiguration(environment: environment).setting("ca_bundle")
        let http = HTTPClient(configuration: .init(userAgent: "workspaces-exporter/\(BuildInfo.current.version)", caBundle: caBundle, proxies: proxies))
        logger.debug("AWS retries", metadata: ["retry_mode": "\(mode.rawValue)", "max_attempts": "\(attempts)"])
        return (aws, RetryPolicy(mode: mode, maxAttempts: attempts), http)
    }

    static func describe(_ listener: HTTPServer.Listener, port: Int) -> String {
        switch listener {
        case let .address(address): return "\(ListenAddress(host: address.host, port: port))"
        case .inherited: return "\(listener) port \(port)"
        }
    }

    /// Like Go programs since 1.19: the soft limit of open files up to the hard
    /// one, so that connection limits and not the default 1024 decide.
    static func raiseFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 1 << 20)
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.debug("could not raise the open files limit", metadata: ["err": "\(String(cString: strerror(errno)))"])
        }
    }
}

/// A start-up problem in words.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
