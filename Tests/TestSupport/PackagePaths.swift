public import Foundation

/// Where the package and its built products are, for tests that run the binaries.
public enum PackagePaths {
    /// The package root, derived from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding `workspaces_exporter` and `workspaces_emulator`:
    /// `WORKSPACES_BIN_DIR` when set, else `.build/debug`.
    public static var binaries: URL {
        if let dir = ProcessInfo.processInfo.environment["WORKSPACES_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return root.appendingPathComponent(".build/debug")
    }

    public static func binary(_ name: String) -> URL {
        binaries.appendingPathComponent(name)
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
