public import Exposition

/// The exporter's version, for `aws_workspaces_exporter_build_info`.
public struct BuildInfo: Sendable, Hashable {
    public let version: String
    public let revision: String
    public let swiftVersion: String

    public init(version: String, revision: String, swiftVersion: String) {
        self.version = version
        self.revision = revision
        self.swiftVersion = swiftVersion
    }

    /// This build. SwiftPM has no build-time hook for the git revision without a
    /// plugin, so `revision` is "unknown" until release packaging stamps it.
    public static let current = BuildInfo(version: "0.1.0", revision: "unknown", swiftVersion: compilerVersion)

    static var compilerVersion: String {
        #if compiler(>=6.4)
        return "6.4+"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    public var family: MetricFamily {
        MetricFamily(
            name: "aws_workspaces_exporter_build_info",
            help: "A metric with a constant '1' value labeled by version, revision and the Swift version the exporter was built with.",
            type: .gauge,
            samples: [Sample(labels: [Label("revision", revision), Label("swift_version", swiftVersion), Label("version", version)], value: 1)])
    }
}
