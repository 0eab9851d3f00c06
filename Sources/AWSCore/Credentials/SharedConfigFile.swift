import Support

/// The AWS shared files, `~/.aws/credentials` and `~/.aws/config`, parsed as
/// the CLI reads them: `[profile name]` sections in the config file, `[name]`
/// in the credentials file, `key = value` lines, `#` and `;` comments, and
/// indented sub-settings (ignored). A malformed line is an error naming the
/// file, the line and the problem.
public struct SharedConfigFile: Sendable {
    /// Settings by profile name.
    public private(set) var profiles: [String: [String: String]] = [:]
    /// `[sso-session NAME]` sections of the config file, by name.
    public private(set) var ssoSessions: [String: [String: String]] = [:]

    public static func parse(_ text: String, path: String, isConfigFile: Bool) throws(AWSClientError) -> SharedConfigFile {
        var file = SharedConfigFile()
        var section: String? = nil
        // The section being read is an sso-session rather than a profile.
        var inSSOSession = false
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on any newline Character.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else {
                    throw .configuration("\(path):\(lineNumber): section header has no closing ']'")
                }
                var name = trimmed.dropFirst().dropLast().trimmingWhitespace()
                guard !name.isEmpty else { throw .configuration("\(path):\(lineNumber): empty profile name") }
                inSSOSession = false
                if isConfigFile, name != "default" {
                    if name.hasPrefix("profile ") || name.hasPrefix("profile\t") {
                        name = name.dropFirst(8).trimmingWhitespace()
                    } else if name.hasPrefix("sso-session ") || name.hasPrefix("sso-session\t") {
                        let session = name.dropFirst(12).trimmingWhitespace()
                        guard !session.isEmpty else { throw .configuration("\(path):\(lineNumber): empty sso-session name") }
                        section = session
                        inSSOSession = true
                        file.ssoSessions[session, default: [:]] = file.ssoSessions[session] ?? [:]
                        continue
                    } else {
                        // sso-session, services and other non-profile sections.
                        section = nil
                        continue
                    }
                }
                guard !name.isEmpty else { throw .configuration("\(path):\(lineNumber): empty profile name") }
                section = name
                file.profiles[name, default: [:]] = file.profiles[name] ?? [:]
                continue
            }
            if line.first == " " || line.first == "\t" { continue } // sub-setting of a nested section
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw .configuration("\(path):\(lineNumber): expected 'key = value' or '[section]'")
            }
            let key = trimmed[..<equals].trimmingWhitespace().lowercased()
            let value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace()
            guard !key.isEmpty else { throw .configuration("\(path):\(lineNumber): missing key before '='") }
            guard let current = section else {
                if isConfigFile { continue } // settings of a skipped non-profile section
                throw .configuration("\(path):\(lineNumber): setting \"\(key)\" is outside any [profile] section")
            }
            if inSSOSession {
                file.ssoSessions[current, default: [:]][key] = value
            } else {
                file.profiles[current, default: [:]][key] = value
            }
        }
        return file
    }
}
