import Support

/// Where and how EC2 instance metadata is reached, as botocore reads it: each
/// setting from its variable, else the profile.
public struct InstanceMetadataSettings: Sendable, Equatable {
    /// The IPv4 address (mode `IPv4`, the default).
    public static let ipv4Endpoint = "http://169.254.169.254"
    /// The IPv6 address (mode `IPv6`, on Nitro instances with IPv6 metadata on).
    public static let ipv6Endpoint = "http://[fd00:ec2::254]"

    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, `ec2_metadata_service_endpoint`;
    /// else the address `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` or
    /// `ec2_metadata_service_endpoint_mode` (`IPv4`, `IPv6`; or the older
    /// `AWS_IMDS_USE_IPV6`, `imds_use_ipv6`) picks. No trailing slash.
    public var endpoint: String
    /// `AWS_EC2_METADATA_DISABLED` (the environment only, as in botocore).
    public var disabled: Bool
    /// `AWS_EC2_METADATA_V1_DISABLED`, `ec2_metadata_v1_disabled`: no IMDSv1 fallback.
    public var v1Disabled: Bool
    /// `AWS_METADATA_SERVICE_TIMEOUT`, `metadata_service_timeout` (whole seconds, default 1, at most an hour).
    public var timeout: Duration
    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS`, `metadata_service_num_attempts` (default 1, at most 10).
    public var attempts: Int

    public init(endpoint: String = InstanceMetadataSettings.ipv4Endpoint, disabled: Bool = false, v1Disabled: Bool = false,
                timeout: Duration = .seconds(1), attempts: Int = 1) {
        self.endpoint = endpoint
        self.disabled = disabled
        self.v1Disabled = v1Disabled
        self.timeout = timeout
        self.attempts = attempts
    }

    /// From the environment and the selected profile. Errors name the variable
    /// or the profile setting, as botocore refuses a bad mode or endpoint.
    public static func resolve(environment: Environment) throws(AWSClientError) -> InstanceMetadataSettings {
        try resolve(AWSSettings.Lookup(environment: environment))
    }

    static func resolve(_ lookup: AWSSettings.Lookup) throws(AWSClientError) -> InstanceMetadataSettings {
        var settings = InstanceMetadataSettings()
        // The mode is checked even when an endpoint overrides it, as botocore does.
        var ipv6 = lookup.flag("AWS_IMDS_USE_IPV6", "imds_use_ipv6")
        if let (text, source) = lookup.value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode") {
            switch text.lowercased() {
            case "ipv4": ipv6 = false
            case "ipv6": ipv6 = true
            default: throw .configuration("\(source) \"\(text.bounded(maxBytes: 64))\" is not IPv4 or IPv6")
            }
        }
        settings.endpoint = ipv6 ? ipv6Endpoint : ipv4Endpoint
        if let (text, source) = lookup.value("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint") {
            guard URLParts(text) != nil else {
                throw .configuration("\(source) \"\(URLParts.redacted(text).bounded(maxBytes: 200))\" is not an absolute http:// or https:// URL")
            }
            var endpoint = text
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            settings.endpoint = endpoint
        }
        settings.disabled = lookup.environment.flag("AWS_EC2_METADATA_DISABLED")
        settings.v1Disabled = lookup.flag("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")
        // Whole numbers, as botocore converts them (int()).
        if let (text, source) = lookup.value("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") {
            guard let seconds = Int(text.trimmingWhitespaceAndNewlines()), seconds >= 1 else {
                throw .configuration("\(source) \"\(text.bounded(maxBytes: 64))\" is not a whole number of seconds from 1")
            }
            settings.timeout = .seconds(min(seconds, 3600))
        }
        if let (text, source) = lookup.value("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts") {
            guard let count = Int(text.trimmingWhitespaceAndNewlines()), count >= 1 else {
                throw .configuration("\(source) \"\(text.bounded(maxBytes: 64))\" is not a whole number from 1")
            }
            settings.attempts = min(count, 10)
        }
        return settings
    }
}
