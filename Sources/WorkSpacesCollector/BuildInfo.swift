public import Exposition

/// The exporter's version, for `aws_workspaces_exporter_build_info` and
/// `--version`. The values are stamped into the build by the VersionStamp
/// plugin (scripts/version-stamp.sh): the VERSION file, the git revision and
/// branch, the commit date and the compiler's version.
public struct BuildInfo: Sendable, Hashable {
    public let version: String
    public let revision: String
    public let branch: String
    /// When the built commit was made (UTC), in Prometheus's `20060102-15:04:05` form.
    public let date: String
    public let swiftVersion: String

    public init(version: String, revision: String, branch: String = "unknown", date: String = "unknown", swiftVersion: String) {
        self.version = version
        self.revision = revision
        self.branch = branch
        self.date = date
        self.swiftVersion = swiftVersion
    }

    /// This build.
    public static let current = BuildInfo(
        version: BuildVersion.version, revision: BuildVersion.revision, branch: BuildVersion.branch,
        date: BuildVersion.date, swiftVersion: BuildVersion.swiftVersion == "unknown" ? compilerVersion : BuildVersion.swiftVersion)

    static var compilerVersion: String {
        #if compiler(>=6.4)
        return "6.4+"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "6.1"
        #endif
    }

    /// What `--version` prints, in the shape of Prometheus's `version.Print`.
    public func printed(program: String) -> String {
        #if arch(x86_64)
        let architecture = "amd64"
        #elseif arch(arm64)
        let architecture = "arm64"
        #else
        let architecture = "unknown"
        #endif
        #if os(Linux)
        let system = "linux"
        #else
        let system = "darwin"
        #endif
        return """
        \(program), version \(version) (branch: \(branch), revision: \(revision))
          build date:       \(date)
          swift version:    \(swiftVersion)
          platform:         \(system)/\(architecture)
        """
    }

    public var family: MetricFamily {
        MetricFamily(
            name: "aws_workspaces_exporter_build_info",
            help: "A metric with a constant '1' value labeled by version, revision, branch and the Swift version the exporter was built with.",
            type: .gauge,
            samples: [Sample(labels: [Label("branch", branch), Label("revision", revision), Label("swift_version", swiftVersion), Label("version", version)], value: 1)])
    }
}
