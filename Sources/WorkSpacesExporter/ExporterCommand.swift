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
    }

    func run() async throws {
        let format = logFormat
        let level = logLevel.level
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "workspaces_exporter")
        let environment = ProcessInfo.processInfo.environment

        let resolvedRegions = try Self.regions(flag: regions, environment: environment)
        let address = try ListenAddress.parse(listenAddress)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30))))

        do {
            var clients: [WorkSpacesClient] = []
            for region in resolvedRegions {
                let endpoint: Endpoint
                do {
                    endpoint = try Endpoint.resolve(service: "workspaces", region: region, override: endpointURL, environment: environment)
                } catch {
                    throw ValidationError(error.message)
                }
                clients.append(WorkSpacesClient(
                    region: region, endpoint: endpoint, credentials: EnvironmentCredentialProvider(), httpClient: httpClient))
                logger.info("collecting region", metadata: ["region": "\(region)", "endpoint": "\(endpoint)"])
            }
            let collector = WorkSpacesCollector(
                clients: clients,
                query: ImageQuery(imageType: imageType?.value, imageIds: imageIds, pageSize: pageSize),
                logger: logger)
            let handler = ExporterHandler(telemetryPath: telemetryPath, collector: collector, version: BuildInfo.current.version)
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

    /// Regions from the flag, then `AWS_REGION`, then `AWS_DEFAULT_REGION`.
    static func regions(flag: [String], environment: [String: String]) throws -> [String] {
        var seen: Set<String> = []
        let fromFlag = flag.filter { !$0.isEmpty && seen.insert($0).inserted }
        if !fromFlag.isEmpty { return fromFlag }
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable], !value.isEmpty { return [value] }
        }
        throw ValidationError("no AWS region: set --aws.region, AWS_REGION or AWS_DEFAULT_REGION")
    }
}

/// `--workspaces.image-type`.
enum ImageTypeOption: String, ExpressibleByArgument, CaseIterable {
    case OWNED, SHARED
    var value: ImageType { self == .OWNED ? .owned : .shared }
}

/// `--log.level`, with Prometheus's level names.
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case debug, info, warn, error
    var level: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }
}
