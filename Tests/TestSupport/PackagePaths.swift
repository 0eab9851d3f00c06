public import Foundation

/// Where the package and its built products are, for tests that run the binaries.
public enum PackagePaths {
    /// The package root, derived from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binaries the tests start are the ones users get: `workspaces_exporter`
    /// is `dist/linux-ARCH/workspaces_exporter`, the very bytes that
    /// `scripts/release.sh` puts into the archive and the container image, and
    /// `workspaces_emulator` comes from the same release build
    /// (`.build-release/release`). `WORKSPACES_BIN_DIR` names another folder
    /// holding both (`scripts/sanitize.sh` points it at a sanitizer build).
    /// Anything else (the fuzz replayer) is the debug build's.
    public static func binary(_ name: String) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let shipped = ["workspaces_exporter", "workspaces_emulator"]
        if shipped.contains(name), let dir = environment["WORKSPACES_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir).appendingPathComponent(name)
        }
        switch name {
        case "workspaces_exporter": return root.appendingPathComponent("dist/linux-\(architecture)/workspaces_exporter")
        case "workspaces_emulator": return root.appendingPathComponent(".build-release/release/workspaces_emulator")
        default: return root.appendingPathComponent(".build/debug/\(name)")
        }
    }

    /// Whether the binaries under test are a sanitizer build (`scripts/sanitize.sh`
    /// sets `WORKSPACES_SANITIZER`): memory figures mean nothing there.
    public static var sanitized: Bool {
        !(ProcessInfo.processInfo.environment["WORKSPACES_SANITIZER"] ?? "").isEmpty
    }

    /// The architecture as release archives name it (amd64, arm64).
    public static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    /// Writes `text` to a fresh file of a fresh folder with `mode`, through a
    /// descriptor opened close-on-exec: a script written with a plain
    /// descriptor can be inherited by a program another test starts at that
    /// moment, and executing it then fails with "Text file busy".
    public static func writeFile(_ text: String, mode: Int, prefix: String = "file") throws -> String {
        let path = try temporaryDirectory(prefix).appendingPathComponent("file").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    /// A fresh temporary folder for one test.
    public static func temporaryDirectory(_ prefix: String = "wsx") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The full path of a command on PATH, or nil.
    public static func which(_ command: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
