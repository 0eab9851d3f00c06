#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Logging
import Support
import Synchronization

/// Credentials of an IAM Identity Center (SSO) profile, as botocore gets
/// them: the access token `aws sso login` cached, then the portal's
/// `GetRoleCredentials` for the profile's account and role.
///
/// With an `sso_session` (the current form) a token that has less than 15
/// minutes left is refreshed first with `CreateToken` and the refresh token,
/// and the cache file is rewritten, as the SDKs do; a failed refresh keeps
/// using the token while it lasts. A legacy profile (`sso_start_url` in the
/// profile itself) is never refreshed. When no usable token remains, the
/// error tells the user to run `aws sso login --profile NAME`.
/// The credentials are cached above (``CachingCredentialProvider``) until
/// they near their expiry.
public struct SSOCredentialProvider: CredentialProvider {
    /// The SSO settings of one profile, merged from it and its `sso-session`.
    public struct Settings: Sendable, Equatable {
        public var profile: String
        public var sessionName: String?
        public var startURL: String
        public var region: String
        public var accountId: String
        public var roleName: String
    }

    /// botocore refreshes a token this close to its expiry.
    static let refreshWindow: Double = 15 * 60

    /// Tokens this process refreshed, by cache file: used while they are newer
    /// than the file's, so that a cache that cannot be written (a read-only
    /// home) never loses a rotated refresh token.
    static let refreshedTokens = Locked<[String: SSOToken]>([:])

    public let settings: Settings
    let cacheDirectory: String
    let client: SSOClient
    let now: @Sendable () -> Double
    let logger: Logger

    public init(settings: Settings, cacheDirectory: String, client: SSOClient, now: (@Sendable () -> Double)? = nil, logger: Logger = Logger(label: "aws")) {
        self.settings = settings
        self.cacheDirectory = cacheDirectory
        self.client = client
        self.now = now ?? { Date().timeIntervalSince1970 }
        self.logger = logger
    }

    public var name: String { "IAM Identity Center profile \"\(settings.profile.bounded(maxBytes: 100))\"" }

    var loginHint: String { "run aws sso login --profile \(settings.profile.bounded(maxBytes: 100))" }

    /// The profile's SSO settings, or nil when it is not an SSO profile (no
    /// `sso_account_id` nor `sso_role_name`); errors as botocore's.
    public static func settings(profile: String, files: SharedConfiguration.Profiles) throws(AWSClientError) -> Settings? {
        let profileSettings = files.merged[profile] ?? [:]
        guard profileSettings["sso_account_id"] != nil || profileSettings["sso_role_name"] != nil else { return nil }
        let source = "profile \"\(profile.bounded(maxBytes: 100))\""
        var resolved = profileSettings
        let sessionName = profileSettings["sso_session"]
        if let sessionName {
            guard let session = files.ssoSessions[sessionName] else {
                throw .credentials(source: source, reason: "its sso_session \"\(sessionName.bounded(maxBytes: 100))\" has no [sso-session \(sessionName.bounded(maxBytes: 100))] section")
            }
            for (key, value) in session.sorted(by: { $0.key < $1.key }) {
                if let mine = resolved[key], mine != value {
                    throw .credentials(source: source, reason: "\(key) differs between the profile and its sso-session \"\(sessionName.bounded(maxBytes: 100))\"")
                }
                resolved[key] = value
            }
        }
        let required = ["sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
        let missing = required.filter { (resolved[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw .credentials(source: source, reason: "an IAM Identity Center profile needs \(missing.joined(separator: ", "))")
        }
        return Settings(
            profile: profile, sessionName: sessionName, startURL: resolved["sso_start_url"] ?? "", region: resolved["sso_region"] ?? "",
            accountId: resolved["sso_account_id"] ?? "", roleName: resolved["sso_role_name"] ?? "")
    }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        let token = try await accessToken()
        do {
            return try await client.roleCredentials(accessToken: token, accountId: settings.accountId, roleName: settings.roleName)
        } catch {
            if case let .service(code, _, status) = error, code == "UnauthorizedException" || status == 401 {
                throw .credentials(source: name, reason: "IAM Identity Center refused the cached token (\(code)); \(loginHint)")
            }
            if case let .service(code, message, _) = error {
                throw .credentials(source: name, reason: "GetRoleCredentials for account \(settings.accountId.bounded(maxBytes: 20)) role \(settings.roleName.bounded(maxBytes: 64)) failed: \(code): \(message)")
            }
            throw error
        }
    }

    /// A token with time left: the cached one, refreshed when near its end.
    func accessToken() async throws(AWSClientError) -> String {
        let path = SSOToken.cachePath(directory: cacheDirectory, sessionName: settings.sessionName, startURL: settings.startURL)
        let what = settings.sessionName.map { "sso-session \"\($0.bounded(maxBytes: 100))\"" } ?? "start URL \(settings.startURL.bounded(maxBytes: 200))"
        guard FileContents.exists(path) else {
            throw .credentials(source: name, reason: "no cached token for \(what) (\(path)); \(loginHint)")
        }
        var token: SSOToken
        do {
            token = try SSOToken.decode(try FileContents.bytes(path, maxBytes: 1 << 20))
        } catch let failure as FileContents.Failure {
            throw .credentials(source: name, reason: "\(failure.reason) reading \(path); \(loginHint)")
        } catch let error as AWSClientError {
            throw .credentials(source: name, reason: "\(path): \(error.message); \(loginHint)")
        } catch {
            throw .credentials(source: name, reason: "\(path) cannot be read; \(loginHint)")
        }
        if let remembered = Self.refreshedTokens.withLock({ $0[path] }), remembered.expiresAt > token.expiresAt {
            token = remembered
        }
        let current = now()
        var refreshFailure = ""
        if settings.sessionName != nil, token.expiresAt - current < Self.refreshWindow {
            do {
                if let refreshed = try await refreshed(token, now: current) {
                    token = refreshed
                    Self.refreshedTokens.withLock { $0[path] = refreshed }
                    // As the CLI: later runs (and the user's own) use it too.
                    do {
                        try FileContents.replace(path, with: token.encoded())
                    } catch {
                        logger.warning("cannot write the refreshed IAM Identity Center token to its cache file; this process keeps it in memory", metadata: [
                            "file": "\(path)", "reason": "\(error.reason)",
                        ])
                    }
                }
            } catch {
                refreshFailure = " and refreshing it failed (\(error.code))"
            }
        }
        guard token.expiresAt > current else {
            throw .credentials(source: name, reason: "the cached token for \(what) expired at \(SSOToken.formatTime(token.expiresAt))\(refreshFailure); \(loginHint)")
        }
        return token.accessToken
    }

    /// `CreateToken` when the cache has what it needs and the client
    /// registration has not expired; nil when it cannot be tried.
    func refreshed(_ token: SSOToken, now current: Double) async throws(AWSClientError) -> SSOToken? {
        guard let refreshToken = token.refreshToken, let clientId = token.clientId, let clientSecret = token.clientSecret,
              let registrationExpiry = token.registrationExpiresAt, registrationExpiry > current else { return nil }
        let answer = try await client.refresh(clientId: clientId, clientSecret: clientSecret, refreshToken: refreshToken)
        var updated = token
        updated.accessToken = answer.accessToken
        updated.expiresAt = current + Double(answer.expiresIn)
        updated.refreshToken = answer.refreshToken ?? token.refreshToken
        updated.startURL = settings.startURL
        updated.region = settings.region
        return updated
    }
}
