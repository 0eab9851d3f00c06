import Foundation

/// Environment variables as the AWS client reads them, so tests can pass
/// their own. Empty values count as unset, as in the SDKs.
public struct Environment: Sendable {
    let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The process's environment at the time of the call.
    public static var process: Environment { Environment(ProcessInfo.processInfo.environment) }

    public subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// `true`/`false` variables such as `AWS_EC2_METADATA_DISABLED`.
    public func flag(_ name: String) -> Bool {
        self[name]?.lowercased() == "true"
    }

    /// The user's home folder, for `~/.aws`.
    var home: String {
        self["HOME"] ?? NSHomeDirectory()
    }
}
