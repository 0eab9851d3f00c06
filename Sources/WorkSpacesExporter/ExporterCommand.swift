import AWSWorkSpaces
import ArgumentParser
import AsyncHTTPClient
import Foundation
import HTTPServer
import Logging
import WorkSpacesCollector

/// `workspaces_exporter`: flags in the Prometheus style, wiring, and the serve loop.
@main
struct ExporterCommand: AsyncParsableCommand {
    /// Default port, from the range Prometheus allocates to exporters; see the README.
    static let defaultPort = 10027

    static let configuration = CommandConfiguration(
        commandName: "workspaces_exporter",
        abstract: "Prometheus exporter for Amazon WorkSpaces images (DescribeWorkspaceImages).",
        version: BuildInfo.current.version)

    @Option(name: .customLong("web.listen-address"), help: "Address on which to expose metrics and the web interface.")
    var listenAddress = ":\(ExporterCommand.defaultPort)"

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(name: .customLong("web.config.file"), help: "Path to a web config file (exporter-toolkit format) for TLS, basic authentication and response headers.")
    var webConfigFile: String?

    @Option(name: .customLong("web.max-requests"), help: "Maximum number of scrapes served at once; beyond it the answer is 503. 0 means no limit.")
    var maxRequests = 40

    @Option(name: .customLong("web.max-connections"), help: "Maximum number of open connections; more wait in the kernel's backlog.")
    var maxConnections: UInt32 = 512

    @Option(name: .customLong("web.max-connections-per-ip"), help: "Maximum number of open connections from one IP address. 0 means no limit.")
    var maxConnectionsPerIP: UInt32 = 0

    @Option(name: .customLong("web.idle-timeout"), help: "Seconds a connection may stay silent (idle keep-alive, or a slow client) before it is closed.")
    var idleTimeout: UInt32 = 60

    @Option(name: .customLong("web.max-header-bytes"), help: "Bytes allowed per connection for the request line and headers: a longer URL gets 414, longer headers 431.")
    var maxHeaderBytes = 16 * 1024

    @Option(name: .customLong("aws.region"), help: "AWS region to collect; repeat for several (collected concurrently). Default: AWS_REGION, then AWS_DEFAULT_REGION.")
    var regions: [String] = []

    @Option(name: .customLong("aws.endpoint-url"), help: "WorkSpaces endpoint URL, for emulators and VPC endpoints. Default: AWS_ENDPOINT_URL_WORKSPACES, then AWS_ENDPOINT_URL, then the region's public endpoint.")
    var endpointURL: String?

    @Option(name: .customLong("workspaces.image-type"), help: "Only OWNED or SHARED images. Default: both.")
    var imageType: ImageTypeOption?

    @Option(name: .customLong("workspaces.image-id"), help: "Only these image ids; repeat for several. More than 25 are split into several request chains.")
    var imageIds: [String] = []

    @Option(name: .customLong("workspaces.page-size"), help: "MaxResults per DescribeWorkspaceImages page, 1 to 25.")
    var pageSize = 25

    @Option(name: .customLong("workspaces.max-pages"), help: "Pages one collection may read before it gives up (up 0), in case NextToken never ends.")
    var maxPages = 1000

    @Option(name: .customLong("aws.role-arn"), help: "Role to assume with the credentials found, for cross-account use.")
    var roleArn: String?

    @Option(name: .customLong("aws.external-id"), help: "External ID for --aws.role-arn.")
    var externalId: String?

    @Option(name: .customLong("aws.role-session-name"), help: "Session name for --aws.role-arn. Default: generated.")
    var roleSessionName: String?

    @Flag(name: .customLong("aws.use-fips-endpoint"), help: "Use FIPS endpoints (also AWS_USE_FIPS_ENDPOINT=true).")
    var useFIPS = false

    @Option(name: .customLong("aws.max-attempts"), help: "Attempts per API request, retries included (standard retry mode). Default: AWS_MAX_ATTEMPTS, else 3.")
    var maxAttempts: Int?

    @Option(name: .customLong("collector.timeout"), help: "Seconds a collection may take, and the scrape's budget when the scraper sends no X-Prometheus-Scrape-Timeout-Seconds.")
    var collectorTimeout = 30.0

    @Option(name: .customLong("collector.timeout-offset"), help: "Seconds taken off X-Prometheus-Scrape-Timeout-Seconds, to leave time to answer.")
    var timeoutOffset = 0.5

    @Option(name: .customLong("collector.min-interval"), help: "Seconds a successful collection is reused instead of calling the API again: for HA Prometheus pairs and many scrapers. 0 calls the API on every scrape.")
    var minInterval = 0.0

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel: LogLevelOption = .info

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    func validate() throws {
        guard WorkSpacesModel.maxResultsRange.contains(pageSize) else {
            throw ValidationError("--workspaces.page-size must be from 1 to 25, not \(pageSize)")
        }
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/" else {
            throw ValidationError("--web.telemetry-path must start with / and not be / (the landing page), not \"\(telemetryPath)\"")
        }
        do { _ = try ListenAddress.parse(listenAddress) } catch { throw ValidationError(error.description) }
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--aws.max-attempts must be 1 or more") }
        guard collectorTimeout > 0, collectorTimeout <= 86_400 else { throw ValidationError("--collector.timeout must be more than 0 and at most 86400 seconds") }
        guard timeoutOffset >= 0, timeoutOffset <= 3600 else { throw ValidationError("--collector.timeout-offset must be from 0 to 3600 seconds") }
        guard maxPages >= 1 else { throw ValidationError("--workspaces.max-pages must be 1 or more") }
        guard minInterval >= 0, minInterval.isFinite, minInterval <= 86_400 else { throw ValidationError("--collector.min-interval must be from 0 to 86400 seconds") }
        guard maxRequests >= 0 else { throw ValidationError("--web.max-requests must be 0 (no limit) or more") }
        guard maxConnections > 0 else { throw ValidationError("--web.max-connections must be more than 0") }
        guard idleTimeout > 0 else { throw ValidationError("--web.idle-timeout must be more than 0") }
        guard (1024...1_048_576).contains(maxHeaderBytes) else { throw ValidationError("--web.max-header-bytes must be from 1024 to 1048576") }
        if externalId != nil || roleSessionName != nil, roleArn == nil {
            throw ValidationError("--aws.external-id and --aws.role-session-name need --aws.role-arn")
        }
    }

    func run() async throws {
        let format = logFormat
        let level = logLevel.level
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "workspaces_exporter")

        let address = try ListenAddress.parse(listenAddress)
        var web = WebConfiguration()
        if let webConfigFile {
            do {
                web = try WebConfiguration.load(path: webConfigFile)
                for warning in web.warnings { logger.warning("web config", metadata: ["file": "\(webConfigFile)", "warning": "\(warning)"]) }
            } catch {
                logger.error("cannot start", metadata: ["err": "\(error)"])
                throw ExitCode.failure
            }
        }
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30))))

        do {
            let awsEnvironment = AWSWorkSpaces.Environment.process
            let resolvedRegions: [String]
            let clients: [WorkSpacesClient]
            let apiMetrics = APIMetrics()
            do {
                resolvedRegions = try await RegionResolver.resolve(
                    flag: regions, environment: awsEnvironment,
                    instanceMetadata: InstanceMetadataClient(environment: awsEnvironment, httpClient: httpClient))
                let stsRegion = resolvedRegions[0]
                let sts = STSClient(
                    region: stsRegion,
                    endpoint: try Endpoint.resolve(service: "sts", region: stsRegion, override: nil, useFIPS: useFIPS, environment: awsEnvironment),
                    httpClient: httpClient)
                let role = roleArn.map { DefaultCredentialChain.Role(arn: $0, externalId: externalId, sessionName: roleSessionName) }
                let credentials = try DefaultCredentialChain.make(environment: awsEnvironment, httpClient: httpClient, sts: sts, role: role)
                let attempts = maxAttempts ?? awsEnvironment["AWS_MAX_ATTEMPTS"].flatMap(Int.init) ?? 3
                let retryPolicy = RetryPolicy(maxAttempts: attempts)
                clients = try resolvedRegions.map { region throws(AWSClientError) in
                    let endpoint = try Endpoint.resolve(service: "workspaces", region: region, override: endpointURL, useFIPS: useFIPS, environment: awsEnvironment)
                    logger.info("collecting region", metadata: ["region": "\(region)", "endpoint": "\(endpoint)"])
                    return WorkSpacesClient(
                        region: region, endpoint: endpoint, credentials: credentials, httpClient: httpClient,
                        maxPages: maxPages, retryPolicy: retryPolicy, observer: apiMetrics)
                }
            } catch {
                logger.error("cannot start", metadata: ["code": "\(error.code)", "err": "\(error.message)"])
                throw ExitCode.failure
            }
            let collector = WorkSpacesCollector(
                clients: clients,
                query: ImageQuery(imageType: imageType?.value, imageIds: imageIds, pageSize: pageSize),
                minInterval: .seconds(minInterval),
                collectionTimeout: .seconds(collectorTimeout),
                apiMetrics: apiMetrics,
                logger: logger)
            let handler = ExporterHandler(
                telemetryPath: telemetryPath, collector: collector, version: BuildInfo.current.version,
                defaultTimeout: .seconds(collectorTimeout), timeoutOffset: .seconds(timeoutOffset),
                maxRequests: maxRequests)
            let server: HTTPServer
            do {
                server = try HTTPServer(
                    configuration: .init(
                        address: address, connectionTimeout: idleTimeout, maxConnections: maxConnections,
                        maxConnectionsPerIP: maxConnectionsPerIP, maxHeaderBytes: maxHeaderBytes, web: web, logger: Logger(label: "http")),
                    handler: handler)
            } catch {
                logger.error("cannot start the web server", metadata: ["err": "\(error)"])
                throw ExitCode.failure
            }
            logger.info("listening", metadata: [
                "address": "\(ListenAddress(host: address.host, port: server.port))",
                "version": "\(BuildInfo.current.version)", "telemetry_path": "\(telemetryPath)",
                "tls": "\(web.tls != nil)", "basic_auth": "\(web.basicAuth != nil)",
            ])

            let signal = await SignalWaiter().wait()
            logger.info("shutting down", metadata: ["signal": "\(signal)"])
            await server.shutdown(gracePeriod: .seconds(5))
            try? await httpClient.shutdown()
            logger.info("stopped")
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }
}
