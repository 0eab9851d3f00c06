import Foundation
import PackagePlugin

/// Stamps the build with the version (the VERSION file), the git revision and
/// branch, the commit date and the compiler's version, as Prometheus's
/// `version` package does for Go, by generating `BuildVersion.swift`.
///
/// A build command, re-run when VERSION or the checked-out commit changes
/// (git's HEAD and the branch's ref are its inputs), so an unchanged checkout
/// recompiles nothing.
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildVersion.swift")
        let compiler = (try? context.tool(named: "swiftc").url.path()) ?? "swiftc"
        var inputs = [root.appending(path: "VERSION"), root.appending(path: "scripts/version-stamp.sh")]
        let git = root.appending(path: ".git")
        let head = git.appending(path: "HEAD")
        if FileManager.default.fileExists(atPath: head.path()) {
            inputs.append(head)
            // The branch's ref moves with every commit; packed-refs after a gc.
            if let text = try? String(contentsOf: head, encoding: .utf8), text.hasPrefix("ref: ") {
                let ref = git.appending(path: text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
                if FileManager.default.fileExists(atPath: ref.path()) { inputs.append(ref) }
            }
            let packed = git.appending(path: "packed-refs")
            if FileManager.default.fileExists(atPath: packed.path()) { inputs.append(packed) }
        }
        return [
            .buildCommand(
                displayName: "Stamping the build with the git revision",
                executable: URL(filePath: "/bin/sh"),
                arguments: [root.appending(path: "scripts/version-stamp.sh").path(), root.path(), output.path(), compiler],
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}
