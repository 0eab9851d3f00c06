import Support

/// The settings the AWS SDKs read from an environment variable first, else
/// from the selected profile of the shared config files, read once at
/// start-up: retries, FIPS and dual-stack endpoints and instance metadata.
/// Values are checked as botocore checks them; `Tests/Fixtures/settings_oracle.py`
/// compares the result with botocore's.
public struct AWSSettings: Sendable {
    /// `AWS_RETRY_MODE`, `retry_mode`; `legacy` when unset, as in botocore.
    public var retryMode: RetryMode
    /// Whether `retryMode` was set at all (else the exporter's own default applies).
    public var retryModeSet: Bool
    /// `AWS_MAX_ATTEMPTS`, `max_attempts`; nil when unset.
    public var maxAttempts: Int?
    /// `AWS_USE_FIPS_ENDPOINT`, `use_fips_endpoint`.
    public var useFIPS: Bool
    /// `AWS_USE_DUALSTACK_ENDPOINT`, `use_dualstack_endpoint`.
    public var useDualStack: Bool
    public var instanceMetadata: InstanceMetadataSettings

    public init(retryMode: RetryMode = .legacy, retryModeSet: Bool = false, maxAttempts: Int? = nil, useFIPS: Bool = false, useDualStack: Bool = false,
                instanceMetadata: InstanceMetadataSettings = InstanceMetadataSettings()) {
        self.retryMode = retryMode
        self.retryModeSet = retryModeSet
        self.maxAttempts = maxAttempts
        self.useFIPS = useFIPS
        self.useDualStack = useDualStack
        self.instanceMetadata = instanceMetadata
    }

    /// Reads the environment and the selected profile (both files, the
    /// credentials file's values winning, as botocore merges them). A profile
    /// that does not exist, or a file that does not parse, has no settings;
    /// the credential chain reports those.
    public static func load(environment: Environment) throws(AWSClientError) -> AWSSettings {
        let lookup = try Lookup(environment: environment)
        var settings = AWSSettings()
        if let (text, source) = lookup.value("AWS_RETRY_MODE", "retry_mode") {
            guard let mode = RetryMode(rawValue: text) else {
                throw .configuration("\(source) \"\(text.bounded(maxBytes: 64))\" is not a retry mode: legacy, standard or adaptive")
            }
            settings.retryMode = mode
            settings.retryModeSet = true
        }
        if let (text, source) = lookup.value("AWS_MAX_ATTEMPTS", "max_attempts") {
            guard let value = Int(text.trimmingWhitespaceAndNewlines()), (1...100).contains(value) else {
                throw .configuration("\(source) \"\(text.bounded(maxBytes: 64))\" is not a whole number from 1 to 100")
            }
            settings.maxAttempts = value
        }
        settings.useFIPS = lookup.flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")
        settings.useDualStack = lookup.flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")
        settings.instanceMetadata = try InstanceMetadataSettings.resolve(lookup)
        return settings
    }

    /// One setting's value: the variable's when set, else the profile's.
    struct Lookup {
        let environment: Environment
        let profile: [String: String]
        let profileName: String
        let configPath: String

        init(environment: Environment) throws(AWSClientError) {
            let configuration = SharedConfiguration(environment: environment)
            self.environment = environment
            profileName = configuration.profile
            configPath = configuration.configPath
            // A file that does not parse has no settings here: the credential
            // chain reports it on every scrape, and a fixed file works without a restart.
            profile = (try? configuration.load())?[configuration.profile] ?? [:]
        }

        /// Over a profile already read.
        init(environment: Environment, profile: [String: String], named name: String) {
            self.environment = environment
            self.profile = profile
            profileName = name
            configPath = ""
        }

        /// The text and where it came from, for errors.
        func value(_ variable: String, _ key: String) -> (String, String)? {
            if let text = environment[variable] { return (text, variable) }
            if let text = profile[key], !text.isEmpty {
                return (text, "\(key) of profile \"\(profileName.bounded(maxBytes: 100))\"")
            }
            return nil
        }

        /// botocore's `ensure_boolean`: true only for `true` in any case.
        func flag(_ variable: String, _ key: String) -> Bool {
            value(variable, key)?.0.lowercased() == "true"
        }
    }
}
