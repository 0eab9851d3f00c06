public import Support

/// The merged view of the shared files for the selected profile, read fresh
/// on each call. Long-term keys read from them carry a ``FileStamp``, and the
/// credential cache reads the files again when they change, so rotated keys
/// are picked up without a restart.
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

    /// The two files as they are now.
    public func stamp() -> FileStamp {
        FileStamp.of([credentialsPath, configPath])
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
        guard FileContents.exists(path) else { return [:] }
        let text: String
        do {
            text = try FileContents.text(path)
        } catch {
            throw .configuration("\(error)")
        }
        return try SharedConfigFile.parse(text, path: path, isConfigFile: isConfigFile).profiles
    }
}
