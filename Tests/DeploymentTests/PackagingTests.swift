import Foundation
import TestSupport
import Testing

/// The four ways in, tested here for real: the release archive, the
/// container image under podman, the systemd units (verified, scored, and
/// socket activation through systemd-socket-activate), the Kubernetes
/// manifests (validated offline). scripts/test.sh builds the release archive
/// before running the tests.
@Suite(.timeLimit(.minutes(10)))
struct PackagingTests {
    static let root = PackagePaths.root
    static var version: String { (try? String(contentsOf: root.appendingPathComponent("VERSION"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
    static var arch: String {
        #if arch(arm64)
        return "arm64"
        #else
        return "amd64"
        #endif
    }
    static var stagedBinary: String { root.appendingPathComponent("dist/linux-\(arch)/workspaces_exporter").path }

    func script(_ path: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
        try await runCommand(Self.root.appendingPathComponent(path).path, arguments, environment: environment)
    }

    @Test func theReleaseArchiveHoldsWhatItShouldAndItsChecksum() async throws {
        let name = "workspaces_exporter-\(Self.version).linux-\(Self.arch)"
        let archive = Self.root.appendingPathComponent("dist/\(name).tar.gz").path
        #expect(FileManager.default.fileExists(atPath: archive), "run scripts/release.sh (scripts/test.sh does)")
        let listing = try await runCommand("/bin/tar", ["-tzf", archive]).output
        for entry in ["workspaces_exporter", "LICENSE", "README.md", "dashboards/workspaces-images.json", "alerts/workspaces-images.rules.yml", "examples/prometheus.yml"] {
            #expect(listing.contains("\(name)/\(entry)"), "\(entry) in the archive")
        }
        let check = try await runCommand("/bin/sh", ["-c", "cd '\(Self.root.appendingPathComponent("dist").path)' && sha256sum -c sha256sums.txt"])
        #expect(check.status == 0, "\(check.output)")
        // The Swift runtime is inside; only Debian's C libraries are needed.
        let ldd = try await runCommand("/usr/bin/ldd", [Self.stagedBinary]).output
        #expect(!ldd.contains("libswift") && !ldd.contains("libFoundation") && !ldd.contains("libdispatch"), "\(ldd)")
        #expect(!ldd.contains("not found"))
        let version = try await runCommand(Self.stagedBinary, ["--version"]).output
        #expect(version.contains("version \(Self.version)") && version.contains("revision: "), "\(version)")
        #expect(!version.contains("revision: unknown"))
        let bytes = try FileManager.default.attributesOfItem(atPath: Self.stagedBinary)[.size] as? Int ?? 0
        let archiveBytes = try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int ?? 0
        print("release: binary \(bytes) bytes stripped, archive \(archiveBytes) bytes")
    }

    @Test func theImageRunsAsNobodyAnswersAndStopsCleanly() async throws {
        #expect(FileManager.default.fileExists(atPath: Self.stagedBinary), "run scripts/release.sh (scripts/test.sh does)")
        let lint = try await script("scripts/container.sh", ["lint"])
        #expect(lint.status == 0, "hadolint: \(lint.output)")
        let base = try await script("scripts/container.sh", ["base"])
        #expect(base.status == 0, "\(base.output)")
        let build = try await script("scripts/container.sh", ["build"])
        #expect(build.status == 0, "\(build.output)")
        let size = try await script("scripts/container.sh", ["size"])
        #expect(size.status == 0, "\(size.output)")
        let added = Int(size.output.split(separator: "\n").last ?? "") ?? .max
        print("image: adds \(added) bytes above debian:bookworm-slim")
        #expect(added <= 30 << 20, "the image adds \(added) bytes; the goal is 30 MiB")
        let libraries = try await script("scripts/container.sh", ["ldd"])
        #expect(libraries.status == 0, "every library the binary loads is in the image: \(libraries.output)")

        let emulator = try await Emulator.start(images: 12)
        defer { emulator.stop() }
        let smoke = try await script("scripts/container.sh", ["smoke", emulator.url])
        #expect(smoke.status == 0, "\(smoke.output)")
        let summary = try #require(smoke.output.split(separator: "\n").last { $0.hasPrefix("smoke:") }, "\(smoke.output)")
        print("image: \(summary)")
        #expect(summary.contains("uid=65534") && summary.contains("exit_code=0"))
    }

    @Test func theSystemdUnitsVerifyAndScoreAtMostTwo() async throws {
        let verify = try await script("examples/systemd/verify.sh", [PackagePaths.binary("workspaces_exporter").path])
        #expect(verify.status == 0, "\(verify.output)")
        // "Overall exposure level for workspaces-exporter.service: 1.1 OK"
        let exposure = verify.output.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("exposure level"), let colon = line.range(of: ".service: ") else { return nil }
            return Double(line[colon.upperBound...].prefix { $0.isNumber || $0 == "." })
        }
        print("systemd: \(verify.output.split(separator: "\n").filter { $0.contains("exposure") })")
        #expect(!exposure.isEmpty && exposure.allSatisfy { $0 <= 2.0 }, "\(verify.output)")
    }

    /// systemd's socket activation, as `workspaces-exporter.socket` does it:
    /// the listening socket arrives as fd 3 with LISTEN_PID and LISTEN_FDS.
    @Test func socketActivationServesOnThePassedSocket() async throws {
        let activate = try #require(PackagePaths.which("systemd-socket-activate"), "systemd-socket-activate (Debian: systemd)")
        let emulator = try await Emulator.start(images: 5)
        defer { emulator.stop() }
        var environment = emulator.environment
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        let (process, port) = try await ChildProcess.startServer { port in
            var arguments = ["-l", "127.0.0.1:\(port)"]
            for (name, value) in environment { arguments += ["-E", "\(name)=\(value)"] }
            arguments += [PackagePaths.binary("workspaces_exporter").path, "--web.systemd-socket", "--aws.region", "us-east-1", "--aws.account-id", "123456789012"]
            return try ChildProcess(activate, arguments)
        }
        defer { process.stop() }
        // The exporter starts on the first connection and serves it.
        let response = try await HTTPFetch.fetch("http://127.0.0.1:\(port)/metrics")
        #expect(response.status == 200)
        let metrics = ParsedExposition(response.text)
        #expect(metrics.value("aws_workspaces_up") == 1, "\(process.stderr)")
        #expect(metrics.series("aws_workspaces_image_info").count == 5)
        #expect(process.stderr.contains("systemd socket (fd 3)"), "\(process.stderr)")
        #expect(await process.terminate(signal: SIGTERM) == 0)
    }

    @Test func withoutSystemdTheFlagSaysWhatIsMissing() async throws {
        let result = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--web.systemd-socket", "--aws.region", "us-east-1"])
        #expect(result.status == 1 && result.output.contains("LISTEN_PID"), "\(result.output)")
    }

    @Test func theKubernetesManifestsValidate() async throws {
        let result = try await script("deploy/kubernetes/validate.sh", [])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theECSTaskDefinitionValidates() async throws {
        let result = try await script("deploy/ecs/validate.py", [])
        #expect(result.status == 0, "\(result.output)")
    }

    /// The task definition's command and environment, given to the real
    /// binary (the image's entry point) against the emulator: they parse and
    /// collect the region they name, and the log is JSON for CloudWatch.
    @Test func theECSTaskDefinitionsCommandCollects() async throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("deploy/ecs/task-definition.json"))
        let definition = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let container = try #require((definition["containerDefinitions"] as? [[String: Any]])?.first)
        let command = try #require(container["command"] as? [String])
        let environment = Dictionary(uniqueKeysWithValues: try #require(container["environment"] as? [[String: String]]).compactMap { entry in
            entry["name"].flatMap { name in entry["value"].map { (name, $0) } }
        })
        let region = try #require(environment["AWS_REGION"])
        let emulator = try await Emulator.start(images: 12)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(command, environment: environment.merging(emulator.environment) { $1 })
        defer { exporter.stop() }
        let (response, metrics) = try await exporter.scrape()
        #expect(response.status == 200)
        #expect(metrics.value("aws_workspaces_up", ["region": region]) == 1, "\(exporter.log)")
        let lines = exporter.log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty && lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }, "\(exporter.log)")
    }
}
