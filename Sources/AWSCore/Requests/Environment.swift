#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Environment variables as the AWS client reads them, so tests can pass
/// their own. Empty values count as unset, as in the SDKs.
public struct Environment: Sendable {
    let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The process's environment at the time of the call.
    public static var process: Environment {
        var values: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return Environment(values)
    }

    public subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// `true`/`false` variables such as `AWS_EC2_METADATA_DISABLED`.
    public func flag(_ name: String) -> Bool {
        self[name]?.lowercased() == "true"
    }

    /// The user's home folder, for `~/.aws`: `HOME`, else the password database.
    var home: String {
        if let home = self["HOME"] { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return "/" }
        return String(cString: directory)
    }
}
