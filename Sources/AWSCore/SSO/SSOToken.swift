import Support

/// An IAM Identity Center access token as the AWS CLI caches it after
/// `aws sso login`: `~/.aws/sso/cache/<sha1>.json`, where the name is the
/// SHA-1 of the `sso_session` name, or of the start URL for a legacy profile.
/// The file is untrusted input: every member is checked, sizes are bounded,
/// and secrets never appear in errors.
public struct SSOToken: Sendable, Equatable {
    public var accessToken: String
    /// Unix seconds.
    public var expiresAt: Double
    public var refreshToken: String?
    public var clientId: String?
    public var clientSecret: String?
    /// Unix seconds; the client registration `CreateToken` needs.
    public var registrationExpiresAt: Double?
    public var startURL: String?
    public var region: String?

    public init(accessToken: String, expiresAt: Double, refreshToken: String? = nil, clientId: String? = nil, clientSecret: String? = nil,
                registrationExpiresAt: Double? = nil, startURL: String? = nil, region: String? = nil) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.refreshToken = refreshToken
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.registrationExpiresAt = registrationExpiresAt
        self.startURL = startURL
        self.region = region
    }

    /// The cache file for a session (`sso_session`) or, in a legacy profile, a start URL.
    public static func cachePath(directory: String, sessionName: String?, startURL: String) -> String {
        "\(directory)/\(Digest.hex(Digest.sha1(Array((sessionName ?? startURL).utf8)))).json"
    }

    /// Parses a cache file. Fails, saying which member, when `accessToken` or
    /// `expiresAt` is missing or a member has the wrong type.
    public static func decode(_ bytes: [UInt8]) throws(AWSClientError) -> SSOToken {
        var values: [String: String] = [:]
        var reader = JSONReader(bytes)
        do {
            try reader.object { reader, member throws(JSONReader.Failure) in
                switch member {
                case "accessToken", "expiresAt", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt", "startUrl", "region":
                    if let value = try reader.optionalString() { values[member] = value }
                default:
                    try reader.skip()
                }
            }
            try reader.end()
        } catch {
            throw .configuration("not a token cache file: \(error)")
        }
        guard let accessToken = values["accessToken"], !accessToken.isEmpty else { throw .configuration("the token cache file has no accessToken") }
        guard let expiry = values["expiresAt"] else { throw .configuration("the token cache file has no expiresAt") }
        guard let expiresAt = parseTime(expiry) else {
            throw .configuration("the token cache file's expiresAt \"\(expiry.bounded(maxBytes: 64))\" is not a UTC time")
        }
        return SSOToken(
            accessToken: accessToken, expiresAt: expiresAt, refreshToken: values["refreshToken"], clientId: values["clientId"],
            clientSecret: values["clientSecret"], registrationExpiresAt: values["registrationExpiresAt"].flatMap(parseTime),
            startURL: values["startUrl"], region: values["region"])
    }

    /// The CLI writes `2026-12-02T10:00:00Z`; older versions `…UTC`.
    static func parseTime(_ text: String) -> Double? {
        if text.hasSuffix("UTC") { return ISO8601.parse(String(text.dropLast(3)) + "Z") }
        return ISO8601.parse(text)
    }

    /// The file as the AWS CLI writes it.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("startUrl", startURL)
        writer.member("region", region)
        writer.member("accessToken", accessToken)
        writer.member("expiresAt", Self.formatTime(expiresAt))
        writer.member("clientId", clientId)
        writer.member("clientSecret", clientSecret)
        writer.member("registrationExpiresAt", registrationExpiresAt.map(Self.formatTime))
        writer.member("refreshToken", refreshToken)
        writer.endObject()
        return writer.bytes
    }

    /// `2026-12-02T10:00:00Z`, from SigV4's `20261202T100000Z`.
    static func formatTime(_ seconds: Double) -> String {
        let compact = Array(SigV4Signer.timestamps(min(max(seconds, 0), 253_402_300_799)).0)
        func part(_ range: Range<Int>) -> String { String(compact[range]) }
        return "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(9..<11)):\(part(11..<13)):\(part(13..<15))Z"
    }
}
