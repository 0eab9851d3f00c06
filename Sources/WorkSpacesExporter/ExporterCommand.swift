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

    @Option(name: .customLong("collector.timeout"), help: "Seconds a collection may take when the scraper sends no X-Prometheus-Scrape-Timeout-Seconds.")
    var collectorTimeout = 30.0

    @Option(name: .customLong("collector.timeout-offset"), help: "Seconds taken off X-Prometheus-Scrape-Timeout-Seconds, to leave time to answer.")
    var timeoutOffset = 0.5

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
        guard collectorTimeout > 0, collectorTimeout.isFinite else { throw ValidationError("--collector.timeout must be more than 0") }
        guard timeoutOffset >= 0, timeoutOffset.isFinite else { throw ValidationError("--collector.timeout-offset must be 0 or more") }
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
                        retryPolicy: retryPolicy, observer: apiMetrics)
                }
            } catch {
                logger.error("cannot start", metadata: ["code": "\(error.code)", "err": "\(error.message)"])
                throw ExitCode.failure
            }
            let collector = WorkSpacesCollector(
                clients: clients,
                query: ImageQuery(imageType: imageType?.value, imageIds: imageIds, pageSize: pageSize),
                apiMetrics: apiMetrics,
                logger: logger)
            let handler = ExporterHandler(
                telemetryPath: telemetryPath, collector: collector, version: BuildInfo.current.version,
                defaultTimeout: .milliseconds(Int64(collectorTimeout * 1000)), timeoutOffset: .milliseconds(Int64(timeoutOffset * 1000)))
            let server: HTTPServer
            do {
                server = try HTTPServer(configuration: .init(address: address, logger: Logger(label: "http")), handler: handler)
            } catch {
                logger.error("cannot start the web server", metadata: ["err": "\(error)"])
                throw ExitCode.failure
            }
            logger.info("listening", metadata: [
                "address": "\(ListenAddress(host: address.host, port: server.port))",
                "version": "\(BuildInfo.current.version)", "telemetry_path": "\(telemetryPath)",
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
