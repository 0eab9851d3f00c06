import Foundation

/// The merged view of the shared files for the selected profile, read fresh
/// on each call so edits (and rotated keys) are picked up on the next refresh.
public struct SharedConfiguration: Sendable {
    public let credentialsPath: String
    public let configPath: String
    /// The profile in use: `AWS_PROFILE`, else `default`.
    public let profile: String
    /// Whether the profile was named explicitly (then its absence is an error).
    public let profileExplicit: Bool

    public init(environment: Environment) {
        let home = environment.home
        credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        configPath = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        profile = environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "default"
        profileExplicit = environment["AWS_PROFILE"] != nil || environment["AWS_DEFAULT_PROFILE"] != nil
    }

    /// Settings of every profile; credentials-file values win over config-file ones.
    public func load() throws(AWSClientError) -> [String: [String: String]] {
        var merged = try Self.read(configPath, isConfigFile: true)
        for (name, settings) in try Self.read(credentialsPath, isConfigFile: false) {
            merged[name, default: [:]].merge(settings) { _, credentials in credentials }
        }
        return merged
    }

    /// The selected profile's `region`, if any; unreadable files count as none.
    public func region() -> String? {
        (try? load())?[profile]?["region"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func read(_ path: String, isConfigFile: Bool) throws(AWSClientError) -> [String: [String: String]] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .configuration("\(path): cannot read: \(error.localizedDescription)")
        }
        return try SharedConfigFile.parse(text, path: path, isConfigFile: isConfigFile).profiles
    }
}
