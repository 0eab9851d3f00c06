import ArgumentParser
import Foundation
import WorkSpacesEmulator

/// `workspaces_emulator`: a local WorkSpaces DescribeWorkspaceImages API with a
/// seeded image set, pagination, latency and fault injection.
@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspaces_emulator",
        abstract: "Local emulator of the Amazon WorkSpaces DescribeWorkspaceImages API, for tests, benchmarks and demos.")

    @Option(name: .customLong("listen-address"), help: "host:port to listen on (port 0: any free port).")
    var listenAddress = "127.0.0.1:4599"

    @Option(name: .customLong("images"), help: "Number of seeded images (the first 5 are edge cases).")
    var images = 40

    @Option(name: .customLong("latency-ms"), help: "Milliseconds added before every answer.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("fault"), help: "Inject a fault: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var fault: String?

    @Option(name: .customLong("fault-every"), help: "Inject the fault on every n-th API request.")
    var faultEvery = 1

    @Option(name: .customLong("fault-region"), help: "Inject the fault only into requests signed for this region.")
    var faultRegion: String?

    func validate() throws {
        guard images >= 0 else { throw ValidationError("--images must be 0 or more") }
        guard latencyMilliseconds >= 0 else { throw ValidationError("--latency-ms must be 0 or more") }
        if let fault, Fault(rawValue: fault) == nil {
            throw ValidationError("--fault must be one of: \(Fault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard faultEvery >= 1 else { throw ValidationError("--fault-every must be 1 or more") }
        guard listenAddress.lastIndex(of: ":") != nil else { throw ValidationError("--listen-address must be host:port") }
    }

    func run() async throws {
        guard let colon = listenAddress.lastIndex(of: ":"), let port = Int(listenAddress[listenAddress.index(after: colon)...]) else {
            throw ValidationError("--listen-address must be host:port")
        }
        var host = String(listenAddress[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let server = try await EmulatorServer.start(
            host: host.isEmpty ? "0.0.0.0" : host, port: port,
            configuration: EmulatorConfiguration(
                images: SeedImages.images(count: images), latency: .milliseconds(latencyMilliseconds),
                fault: fault.flatMap(Fault.init(rawValue:)), faultEvery: faultEvery, faultRegion: faultRegion))
        let banner = "workspaces_emulator listening on \(host.isEmpty ? "0.0.0.0" : host):\(server.port) with \(images) images\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await server.waitUntilClosed()
    }
}
