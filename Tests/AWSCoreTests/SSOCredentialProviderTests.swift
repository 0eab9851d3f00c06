@testable import AWSCore
import Foundation
import TestSupport
import Testing

/// IAM Identity Center profiles, both forms, against the loopback portal and
/// OIDC fake (`Tests/Fixtures/sso_server.py`), each case also run through
/// botocore (boto3) with the same home folder and endpoints: the exporter
/// must choose what botocore chooses.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SSOCredentialProviderTests {
    static let sessionConfig = SSOHome.sampleConfig

    /// The credentials the exporter's chain resolves, or its error.
    func exporterResolves(_ environment: [String: String], maxAttempts: Int = 3) async -> Result<AWSCredentials, AWSClientError> {
        let http = HTTPFetch.client
        let env = Environment(environment)
        let sts: STSClient
        do {
            sts = STSClient(
                region: "us-east-1", endpoint: try Endpoint(url: "http://127.0.0.1:1"), httpClient: http,
                retryPolicy: RetryPolicy(mode: .standard, maxAttempts: maxAttempts))
        } catch {
            return .failure(error)
        }
        let chain = DefaultCredentialChain.make(environment: env, httpClient: http, sts: sts)
        do {
            return .success(try await chain.credentials())
        } catch {
            return .failure(error)
        }
    }

    /// What boto3 resolves with the same environment: key, token and method, or the error's class.
    func botocoreResolves(_ environment: [String: String]) async throws -> [String: String] {
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let script = """
            import json, boto3
            try:
                c = boto3.Session().get_credentials()
                f = c.get_frozen_credentials()
                print(json.dumps({"key": f.access_key, "token": f.token, "method": c.method}))
            except Exception as e:
                print(json.dumps({"error": type(e).__name__}))
            """
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        let (_, output) = try await runCommand(python, ["-c", script], environment: env)
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]) ?? ["unparsed": output]
    }

    func setUp(_ server: SSOServer) throws -> SSOHome {
        try SSOHome(config: Self.sessionConfig)
    }

    @Test func sessionProfileGetsTheRoleCredentialsLikeBotocore() async throws {
        let server = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSO1"])
        defer { server.stop() }
        let home = try setUp(server)
        try home.writeToken("corp", ["startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
        let environment = home.environment(profile: "dev").merging(server.environment) { $1 }

        let credentials = try await exporterResolves(environment).get()
        #expect(credentials.accessKeyId == "ASIASSO1")
        #expect(credentials.sessionToken == "sso-session-token-1")
        #expect(credentials.method == "sso")
        #expect((credentials.expiration ?? 0) > Date().timeIntervalSince1970 + 3000)
        let botocore = try await botocoreResolves(environment)
        #expect(botocore == ["key": "ASIASSO1", "token": "sso-session-token-1", "method": "sso"])
        let stats = try await server.stats()
        #expect(stats.getRoleCredentials == 2)
        #expect(stats.createToken == 0)
    }

    /// `AWS_ENDPOINT_URL` alone sends the portal and OIDC calls to it too, as botocore does.
    @Test func theGlobalEndpointVariableReachesThePortalLikeBotocore() async throws {
        let server = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSO9"])
        defer { server.stop() }
        let home = try setUp(server)
        try home.writeToken("corp", ["startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
        let environment = home.environment(profile: "dev").merging(["AWS_ENDPOINT_URL": server.url]) { $1 }
        let credentials = try await exporterResolves(environment).get()
        #expect(credentials.accessKeyId == "ASIASSO9")
        #expect(try await botocoreResolves(environment)["key"] == "ASIASSO9")
        #expect(try await server.stats().getRoleCredentials == 2)
    }

    @Test func tokenNearExpiryIsRefreshedAndCachedLikeBotocore() async throws {
        let server = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSO2"])
        defer { server.stop() }
        let home = try setUp(server)
        let token = [
            "startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": SSOHome.time(300),
            "refreshToken": "refresh-0", "clientId": "client-id", "clientSecret": "client-secret", "registrationExpiresAt": SSOHome.time(86400 * 30),
        ]
        try home.writeToken("corp", token)
        let environment = home.environment(profile: "dev").merging(server.environment) { $1 }

        let credentials = try await exporterResolves(environment).get()
        #expect(credentials.sessionToken == "sso-session-refreshed-1")
        var stats = try await server.stats()
        #expect(stats.createToken == 1)
        // The cache now holds the new token and the rotated refresh token, as the CLI writes them.
        let cached = try home.readToken("corp")
        #expect(cached["accessToken"] as? String == "refreshed-1")
        #expect(cached["refreshToken"] as? String == "refresh-1")
        #expect(cached["clientSecret"] as? String == "client-secret")
        let expiresAt = (cached["expiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        #expect((expiresAt?.timeIntervalSinceNow ?? 0) > 28000)
        // It holds secrets: the owner's alone, whatever was there before, and no temporary file left behind.
        let attributes = try FileManager.default.attributesOfItem(atPath: try home.cacheFile("corp").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.cache.path).count == 1)

        // botocore, given the same near-expiry token, refreshes it the same way.
        try home.writeToken("corp", token.merging(["refreshToken": "refresh-1"]) { $1 })
        let botocore = try await botocoreResolves(environment)
        #expect(botocore == ["key": "ASIASSO2", "token": "sso-session-refreshed-2", "method": "sso"])
        stats = try await server.stats()
        #expect(stats.createToken == 2)
    }

    @Test func expiredTokensTellTheUserToLogIn() async throws {
        let server = try await SSOServer.start(["--access-token", "token-1", "--client-secret", "other"])
        defer { server.stop() }
        let home = try setUp(server)
        // Legacy profile: never refreshed; expired means log in again, without calling the portal.
        try home.writeToken("https://legacy.awsapps.com/start", ["startUrl": "https://legacy.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": SSOHome.time(-60)])
        var environment = home.environment(profile: "legacy").merging(server.environment) { $1 }
        var result = await exporterResolves(environment)
        guard case let .failure(error) = result else { Issue.record("expired legacy token accepted"); return }
        #expect(error.message.contains("expired"), "\(error)")
        #expect(error.message.contains("aws sso login --profile legacy"), "\(error)")
        #expect(try await botocoreResolves(environment)["error"] == "UnauthorizedSSOTokenError")
        #expect(try await server.stats().getRoleCredentials == 0)

        // Session profile whose refresh is refused (the registration's secret is wrong here).
        try home.writeToken("corp", [
            "accessToken": "token-1", "expiresAt": SSOHome.time(-60), "refreshToken": "refresh-0", "clientId": "client-id",
            "clientSecret": "client-secret", "registrationExpiresAt": SSOHome.time(86400),
        ])
        environment = home.environment(profile: "dev").merging(server.environment) { $1 }
        result = await exporterResolves(environment)
        guard case let .failure(refused) = result else { Issue.record("expired token accepted"); return }
        #expect(refused.message.contains("refreshing it failed (InvalidClientException)"), "\(refused)")
        #expect(refused.message.contains("aws sso login --profile dev"), "\(refused)")
        // The secret of the token file never appears in the error.
        #expect(!refused.message.contains("client-secret") && !refused.message.contains("token-1"), "\(refused)")

        // A token the portal does not know (revoked): 401, and the same advice.
        try home.writeToken("corp", ["accessToken": "revoked", "expiresAt": SSOHome.time(3600)])
        result = await exporterResolves(environment)
        guard case let .failure(unauthorized) = result else { Issue.record("revoked token accepted"); return }
        #expect(unauthorized.message.contains("UnauthorizedException"), "\(unauthorized)")
        #expect(unauthorized.message.contains("aws sso login --profile dev"), "\(unauthorized)")
        #expect(try await botocoreResolves(environment)["error"] == "UnauthorizedSSOTokenError")

        // No token at all.
        try FileManager.default.removeItem(at: try home.cacheFile("corp"))
        result = await exporterResolves(environment)
        guard case let .failure(missing) = result else { Issue.record("missing token accepted"); return }
        #expect(missing.message.contains("no cached token for sso-session \"corp\""), "\(missing)")
        #expect(missing.message.contains("aws sso login --profile dev"), "\(missing)")
        #expect(try await botocoreResolves(environment)["error"] != nil)
    }

    /// A throttled or failing portal is retried, as botocore's SSO client
    /// retries it: two throttled answers, then the credentials, for both;
    /// a portal that keeps failing is given up after 3 attempts; a refusal
    /// (401) is not retried.
    @Test func aThrottledPortalIsRetriedLikeBotocore() async throws {
        for failure in [["--fail-status", "429", "--fail-code", "TooManyRequestsException"], ["--fail-status", "500", "--fail-code", "InternalServerException"]] {
            for client in ["exporter", "botocore"] {
                let server = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSO3", "--fail-first", "2"] + failure)
                defer { server.stop() }
                let home = try setUp(server)
                try home.writeToken("corp", ["accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
                let environment = home.environment(profile: "dev").merging(server.environment) { $1 }
                if client == "exporter" {
                    #expect(try await exporterResolves(environment).get().accessKeyId == "ASIASSO3", "\(failure)")
                } else {
                    #expect(try await botocoreResolves(environment)["key"] == "ASIASSO3", "\(failure)")
                }
                let stats = try await server.stats()
                #expect(stats.failed == 2 && stats.getRoleCredentials == 1, "\(client) \(failure): \(stats)")
            }
        }
        let failing = try await SSOServer.start(["--access-token", "token-1", "--fail-first", "100"])
        defer { failing.stop() }
        let home = try setUp(failing)
        try home.writeToken("corp", ["accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
        let environment = home.environment(profile: "dev").merging(failing.environment) { $1 }
        guard case let .failure(error) = await exporterResolves(environment) else { Issue.record("a failing portal answered"); return }
        #expect(error.message.contains("TooManyRequestsException"), "\(error)")
        #expect(try await failing.stats().failed == 3)
        // The exporter's attempts (--aws.max-attempts, else max_attempts) apply to the SSO calls too.
        _ = await exporterResolves(environment, maxAttempts: 2)
        #expect(try await failing.stats().failed == 5)

        // The OIDC service too: a token near expiry is refreshed after two throttled CreateToken calls.
        let oidc = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSO4", "--fail-first", "2"])
        defer { oidc.stop() }
        let oidcHome = try setUp(oidc)
        try oidcHome.writeToken("corp", [
            "accessToken": "token-1", "expiresAt": SSOHome.time(300), "refreshToken": "refresh-0", "clientId": "client-id",
            "clientSecret": "client-secret", "registrationExpiresAt": SSOHome.time(86400),
        ])
        let refreshed = try await exporterResolves(oidcHome.environment(profile: "dev").merging(oidc.environment) { $1 }).get()
        #expect(refreshed.sessionToken == "sso-session-refreshed-1")
        let oidcStats = try await oidc.stats()
        #expect(oidcStats.failed == 2 && oidcStats.createToken == 1 && oidcStats.getRoleCredentials == 1, "\(oidcStats)")

        let refusing = try await SSOServer.start(["--access-token", "other"])
        defer { refusing.stop() }
        let refusedHome = try setUp(refusing)
        try refusedHome.writeToken("corp", ["accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
        _ = await exporterResolves(refusedHome.environment(profile: "dev").merging(refusing.environment) { $1 })
        #expect(try await refusing.stats().refused == 1, "a 401 is not retried")
    }

    @Test func brokenSSOConfigurationIsRefusedLikeBotocore() async throws {
        let server = try await SSOServer.start([])
        defer { server.stop() }
        let home = try setUp(server)
        let cases: [(profile: String, expected: String)] = [
            ("nosession", "sso_session \"missing\" has no [sso-session missing] section"),
            ("clash", "sso_region differs between the profile and its sso-session \"corp\""),
            ("incomplete", "needs sso_start_url"),
        ]
        for (profile, expected) in cases {
            let environment = home.environment(profile: profile).merging(server.environment) { $1 }
            let result = await exporterResolves(environment)
            guard case let .failure(error) = result else { Issue.record("\(profile) accepted"); continue }
            #expect(error.message.contains(expected), "\(profile): \(error)")
            #expect(try await botocoreResolves(environment)["error"] == "InvalidConfigError", "\(profile)")
        }
        #expect(try await server.stats().getRoleCredentials == 0)
    }

    @Test func tokenCacheFilesAreCheckedNotTrusted() throws {
        let valid = Array(#"{"accessToken":"a","expiresAt":"2026-12-02T10:00:00UTC","clientId":"c","registrationExpiresAt":"2027-01-01T00:00:00Z"}"#.utf8)
        let token = try SSOToken.decode(valid)
        #expect(token.expiresAt == 1_796_205_600)
        #expect(token.registrationExpiresAt == 1_798_761_600)
        #expect(try SSOToken.decode(token.encoded()) == token)
        for broken in [#"{"expiresAt":"2026-12-02T10:00:00Z"}"#, #"{"accessToken":"a"}"#, #"{"accessToken":"a","expiresAt":"tomorrow"}"#,
                       #"{"accessToken":1,"expiresAt":"2026-12-02T10:00:00Z"}"#, "[]", ""] {
            #expect(throws: AWSClientError.self, "\(broken)") { try SSOToken.decode(Array(broken.utf8)) }
        }
        // SHA-1 of the session name, else of the start URL (hashlib.sha1 gives the same).
        #expect(SSOToken.cachePath(directory: "/c", sessionName: "corp", startURL: "x") == "/c/ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
    }

    @Test func portalAnswersAreCheckedNotTrusted() throws {
        let credentials = try SSOClient.decodeRoleCredentials(Array(#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":1796205600000}}"#.utf8))
        #expect(credentials.expiration == 1_796_205_600)
        // An absurd expiry is dropped rather than trusted (the cache then bounds the credentials' life).
        let absurd = try SSOClient.decodeRoleCredentials(Array(#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":1e300}}"#.utf8))
        #expect(absurd.expiration == nil)
        #expect(throws: AWSClientError.self) { try SSOClient.decodeRoleCredentials(Array(#"{"roleCredentials":{"accessKeyId":"A"}}"#.utf8)) }
        #expect(try SSOClient.decodeNewToken(Array(#"{"accessToken":"n","expiresIn":3600}"#.utf8)) == SSOClient.NewToken(accessToken: "n", expiresIn: 3600, refreshToken: nil))
        for broken in [#"{"accessToken":"n","expiresIn":-5}"#, #"{"accessToken":"n","expiresIn":1e300}"#, #"{"accessToken":"","expiresIn":5}"#, "{"] {
            #expect(throws: AWSClientError.self, "\(broken)") { try SSOClient.decodeNewToken(Array(broken.utf8)) }
        }
    }

    /// The portal and OIDC hosts, as botocore 1.43 builds its nested `sso`
    /// and `sso-oidc` clients, FIPS and dual-stack included.
    @Test(arguments: [
        ("eu-west-1", false, false, "https://portal.sso.eu-west-1.amazonaws.com/", "https://oidc.eu-west-1.amazonaws.com/"),
        ("eu-west-1", true, false, "https://portal.sso-fips.eu-west-1.amazonaws.com/", "https://oidc-fips.eu-west-1.amazonaws.com/"),
        ("eu-west-1", false, true, "https://portal.sso.eu-west-1.api.aws/", "https://oidc.eu-west-1.api.aws/"),
        ("us-gov-west-1", true, true, "https://portal.sso-fips.us-gov-west-1.api.aws/", "https://oidc-fips.us-gov-west-1.api.aws/"),
        ("cn-north-1", false, false, "https://portal.sso.cn-north-1.amazonaws.com.cn/", "https://oidc.cn-north-1.amazonaws.com.cn/"),
        ("cn-north-1", true, true, "https://portal.sso-fips.cn-north-1.api.amazonwebservices.com.cn/", "https://oidc-fips.cn-north-1.api.amazonwebservices.com.cn/"),
    ])
    func endpointsAsBotocoreBuildsThem(region: String, fips: Bool, dualStack: Bool, portal: String, oidc: String) throws {
        let client = try SSOClient(region: region, environment: Environment([:]), http: HTTPFetch.client, useFIPS: fips, useDualStack: dualStack)
        #expect(client.portal == portal)
        #expect(client.oidc == oidc)
    }
}
