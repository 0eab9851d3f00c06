public import Support

/// The merged view of the shared files for the selected profile, read fresh
/// on each call. Long-term keys read from them carry a ``FileStamp``, and the
/// credential cache reads the files again when they change, so rotated keys
/// are picked up without a restart.
public struct SharedConfiguration: Sendable {
    public let credentialsPath: String
    public let configPath: String
    /// The profile in use: `AWS_DEFAULT_PROFILE`, then `AWS_PROFILE` (botocore
    /// reads them in that order), else `default`.
    public let profile: String
    /// Whether the profile was named explicitly (then its absence is an error).
    public let profileExplicit: Bool

    let environment: Environment

    public init(environment: Environment) {
        self.environment = environment
        let home = environment.home
        credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"].map { Self.expand($0, environment: environment) } ?? "\(home)/.aws/credentials"
        configPath = environment["AWS_CONFIG_FILE"].map { Self.expand($0, environment: environment) } ?? "\(home)/.aws/config"
        profile = environment["AWS_DEFAULT_PROFILE"] ?? environment["AWS_PROFILE"] ?? "default"
        profileExplicit = environment["AWS_PROFILE"] != nil || environment["AWS_DEFAULT_PROFILE"] != nil
    }

    /// A path from `AWS_CONFIG_FILE` or `AWS_SHARED_CREDENTIALS_FILE` as botocore
    /// reads it: `$NAME` and `${NAME}` replaced from the environment (unknown
    /// ones left as written), then a leading `~` or `~/` made the home folder.
    package static func expand(_ path: String, environment: Environment) -> String {
        var out = ""
        var rest = Substring(path)
        func isNameByte(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "{", let close = after.firstIndex(of: "}") {
                let name = after[after.index(after: after.startIndex)..<close]
                if !name.isEmpty, name.allSatisfy(isNameByte), let value = environment[String(name)] {
                    out += value
                } else {
                    out += rest[dollar...close]
                }
                rest = after[after.index(after: close)...]
            } else {
                let name = after.prefix(while: isNameByte)
                if !name.isEmpty, let value = environment[String(name)] {
                    out += value
                } else {
                    out += "$" + name
                }
                rest = after[name.endIndex...]
            }
        }
        out += rest
        if out == "~" { return environment.home }
        if out.hasPrefix("~/") { return environment.home + out.dropFirst() }
        return out
    }

    /// The two files as they are now.
    public func stamp() -> FileStamp {
        FileStamp.of([credentialsPath, configPath])
    }

    /// Both files' profiles, each file's own and merged.
    public struct Profiles: Sendable {
        /// The config file's profiles.
        public var config: [String: [String: String]]
        /// The credentials file's profiles.
        public var credentials: [String: [String: String]]
        /// Every profile of both; credentials-file values win over config-file ones.
        public var merged: [String: [String: String]]
        /// The config file's `[sso-session NAME]` sections.
        public var ssoSessions: [String: [String: String]] = [:]

        package init(
            config: [String: [String: String]], credentials: [String: [String: String]], merged: [String: [String: String]],
            ssoSessions: [String: [String: String]] = [:]
        ) {
            self.config = config
            self.credentials = credentials
            self.merged = merged
            self.ssoSessions = ssoSessions
        }
    }

    /// The two files as they are now; a missing file has no profiles.
    public func loadFiles() throws(AWSClientError) -> Profiles {
        let configFile = try Self.read(configPath, isConfigFile: true)
        let config = configFile.profiles
        let credentials = try Self.read(credentialsPath, isConfigFile: false).profiles
        var merged = config
        for (name, settings) in credentials {
            merged[name, default: [:]].merge(settings) { _, credentials in credentials }
        }
        return Profiles(config: config, credentials: credentials, merged: merged, ssoSessions: configFile.ssoSessions)
    }

    /// Settings of every profile; credentials-file values win over config-file ones.
    public func load() throws(AWSClientError) -> [String: [String: String]] {
        try loadFiles().merged
    }

    /// Fails as botocore does when `AWS_PROFILE` (or `AWS_DEFAULT_PROFILE`)
    /// names a profile that neither file has, `default` included, or when a
    /// file cannot be read: before any credential source is tried, so even
    /// keys in the environment do not hide the mistake.
    public func checkSelectedProfile() throws(AWSClientError) {
        let profiles = try load()
        if profileExplicit, profiles[profile] == nil {
            throw .credentials(
                source: "profile \"\(profile.bounded(maxBytes: 100))\"",
                reason: "the profile named by \(profileVariable) is in neither \(configPath) nor \(credentialsPath)")
        }
    }

    /// The variable that named the profile.
    var profileVariable: String {
        environment["AWS_DEFAULT_PROFILE"] != nil ? "AWS_DEFAULT_PROFILE" : "AWS_PROFILE"
    }

    /// The selected profile's `region`, if any; unreadable files count as none.
    public func region() -> String? {
        setting("region")
    }

    /// A setting of the selected profile (`region`, `ca_bundle`, …), if set and
    /// not empty; unreadable files count as none (the credential chain reports them).
    public func setting(_ key: String) -> String? {
        (try? load())?[profile]?[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func read(_ path: String, isConfigFile: Bool) throws(AWSClientError) -> SharedConfigFile {
        // As botocore: what is not a regular file counts as missing, and a
        // file that cannot be opened (permissions) as empty.
        guard FileContents.isRegularFile(path) else { return SharedConfigFile() }
        guard FileContents.isReadable(path) else { return SharedConfigFile() }
        let text: String
        do {
            text = try FileContents.text(path, maxBytes: 1 << 20)
        } catch {
            throw .configuration("\(error)")
        }
        return try SharedConfigFile.parse(text, path: path, isConfigFile: isConfigFile)
    }
}
