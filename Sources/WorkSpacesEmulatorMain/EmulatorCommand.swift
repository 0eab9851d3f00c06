import ArgumentParser
import Foundation
import WorkSpacesEmulator

/// `workspaces_emulator`: a local WorkSpaces and STS API with seeded images,
/// bundles and WorkSpaces per account and region, SigV4 checking, pagination,
/// latency and fault injection.
@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspaces_emulator",
        abstract: "Local emulator of the Amazon WorkSpaces (DescribeWorkspaceImages, DescribeWorkspaceBundles, DescribeWorkspaces) and STS APIs, for tests, benchmarks and demos.")

    @Option(name: .customLong("listen-address"), help: "host:port to listen on (port 0: any free port).")
    var listenAddress = "127.0.0.1:4599"

    @Option(name: .customLong("images"), help: "Seeded images of the default account (123456789012, key AKIDEMULATOR), in every region; the first 5 are edge cases.")
    var images = 40

    @Option(name: .customLong("workspaces"), help: "Seeded WorkSpaces of the default account, per region.")
    var workspaces = 30

    @Option(name: .customLong("account"), help: "Another account, as ID:IMAGES:WORKSPACES (e.g. 111111111111:12:10), reachable with AssumeRole into arn:aws:iam::ID:role/ANY; repeat for several.")
    var extraAccounts: [String] = []

    @Option(name: .customLong("generated-accounts"), help: "COUNT:IMAGES: COUNT more accounts (ids 200000000000 upwards) with IMAGES images and no WorkSpaces each, for scale tests of Organizations discovery.")
    var generatedAccounts: String?

    @Option(name: .customLong("suspended-account"), help: "An account Organizations lists as SUSPENDED; repeat for several.")
    var suspendedAccounts: [String] = []

    @Option(name: .customLong("deny-role"), help: "A role ARN whose AssumeRole is refused with AccessDenied; repeat for several.")
    var deniedRoles: [String] = []

    @Option(name: .customLong("external-id"), help: "ROLE_ARN=ID: AssumeRole into that role needs ExternalId ID, as a trust policy with an sts:ExternalId condition; repeat for several.")
    var externalIds: [String] = []

    @Option(name: .customLong("clock-offset"), help: "Seconds the emulator's clock is ahead of this machine's (negative: behind), to test clock skew.")
    var clockOffset = 0.0

    @Option(name: .customLong("duplicate-images"), help: "Serve the first N images of the default account twice, as a misbehaving API might.")
    var duplicateImages = 0

    @Flag(name: .customLong("accept-unknown-keys"), help: "Accept keys the emulator does not know as the default account's (their signature's form is still checked).")
    var acceptUnknownKeys = false

    @Option(name: .customLong("latency-ms"), help: "Milliseconds added before every answer.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("fault"), help: "Inject a fault: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var fault: String?

    @Option(name: .customLong("throttle-rate"), help: "WorkSpaces requests per second each account may make in each region; more are throttled (ThrottlingException), as AWS's rate limits do.")
    var throttleRate: Double?

    @Option(name: .customLong("fault-every"), help: "Inject the fault on every n-th request of an operation.")
    var faultEvery = 1

    @Option(name: .customLong("fault-region"), help: "Inject the fault only into requests signed for this region.")
    var faultRegion: String?

    @Option(name: .customLong("fault-operation"), help: "Inject the fault only into this operation (e.g. DescribeWorkspaceBundles).")
    var faultOperation: String?

    func validate() throws {
        guard images >= 0, workspaces >= 0 else { throw ValidationError("--images and --workspaces must be 0 or more") }
        guard latencyMilliseconds >= 0 else { throw ValidationError("--latency-ms must be 0 or more") }
        if let fault, Fault(rawValue: fault) == nil {
            throw ValidationError("--fault must be one of: \(Fault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let throttleRate, !(throttleRate > 0 && throttleRate <= 1_000_000) { throw ValidationError("--throttle-rate must be above 0") }
        guard faultEvery >= 1 else { throw ValidationError("--fault-every must be 1 or more") }
        guard listenAddress.lastIndex(of: ":") != nil else { throw ValidationError("--listen-address must be host:port") }
        for entry in externalIds where Self.parseExternalId(entry) == nil {
            throw ValidationError("--external-id must be ROLE_ARN=ID, not \(entry)")
        }
        if let generatedAccounts, Self.parseGenerated(generatedAccounts) == nil {
            throw ValidationError("--generated-accounts must be COUNT:IMAGES with COUNT from 1 to 100000, not \(generatedAccounts)")
        }
        for account in extraAccounts where Self.parseAccount(account) == nil {
            throw ValidationError("--account must be ID:IMAGES:WORKSPACES with a 12-digit ID, not \(account)")
        }
    }

    static func parseExternalId(_ text: String) -> (role: String, id: String)? {
        guard let equals = text.lastIndex(of: "="), text.hasPrefix("arn:") else { return nil }
        let id = String(text[text.index(after: equals)...])
        return id.isEmpty ? nil : (String(text[..<equals]), id)
    }

    static func parseAccount(_ text: String) -> EmulatedAccount? {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, parts[0].count == 12, parts[0].allSatisfy(\.isNumber), let images = Int(parts[1]), let workspaces = Int(parts[2]),
              images >= 0, workspaces >= 0 else { return nil }
        return EmulatedAccount(id: parts[0], images: images, workspaces: workspaces)
    }

    static func parseGenerated(_ text: String) -> [EmulatedAccount]? {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 2, let count = Int(parts[0]), let images = Int(parts[1]), (1...100_000).contains(count), images >= 0 else { return nil }
        return (0..<count).map { EmulatedAccount(id: String(200_000_000_000 + $0), images: images, workspaces: 0) }
    }

    func run() async throws {
        guard let colon = listenAddress.lastIndex(of: ":"), let port = Int(listenAddress[listenAddress.index(after: colon)...]) else {
            throw ValidationError("--listen-address must be host:port")
        }
        var host = String(listenAddress[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let seed = SeedImages.images(count: images)
        let accounts = [EmulatedAccount(id: SeedImages.ownerAccountId, images: seed + seed.prefix(max(0, duplicateImages)), workspaces: workspaces)]
            + extraAccounts.compactMap(Self.parseAccount) + (generatedAccounts.flatMap(Self.parseGenerated) ?? [])
        var configuration = EmulatorConfiguration(
            accounts: accounts, latency: .milliseconds(latencyMilliseconds),
            fault: fault.flatMap(Fault.init(rawValue:)), faultEvery: faultEvery, faultRegion: faultRegion,
            faultOperation: faultOperation, deniedRoles: Set(deniedRoles), clockOffset: clockOffset)
        configuration.acceptUnknownKeys = acceptUnknownKeys
        configuration.throttleRate = throttleRate
        configuration.suspendedAccounts = Set(suspendedAccounts)
        for (role, id) in externalIds.compactMap(Self.parseExternalId) { configuration.externalIds[role] = id }
        let server = try await EmulatorServer.start(host: host.isEmpty ? "0.0.0.0" : host, port: port, configuration: configuration)
        let banner = "workspaces_emulator listening on \(host.isEmpty ? "0.0.0.0" : host):\(server.port) with \(accounts.count) account(s), \(images) images\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await server.waitUntilClosed()
    }
}
