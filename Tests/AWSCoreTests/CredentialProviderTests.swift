import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import TestSupport
import Testing
@testable import AWSCore

/// Each provider against a real or faithful counterpart on loopback: the
/// metadata endpoints as in-test HTTP servers, STS through moto_server.
@Suite(.timeLimit(.minutes(2)))
struct CredentialProviderTests {
    let httpClient = HTTPFetch.client
    /// For answers from a fake served by this test process, where the timeout
    /// is not what is tested: the process runs every suite at once on two
    /// threads, and a fake's answer has come later than the SDKs' 2 s.
    static let fakeTimeout: Duration = .seconds(30)

    func sts(_ moto: MotoServer) throws -> STSClient {
        STSClient(region: "us-east-1", endpoint: try Endpoint(url: moto.url), httpClient: httpClient)
    }

    /// STS that nothing answers, for providers that must not need it.
    func unreachableSTS() throws -> STSClient {
        STSClient(region: "us-east-1", endpoint: try Endpoint(url: "http://127.0.0.1:1"), httpClient: httpClient)
    }

    func temporaryFile(_ text: String, mode: Int? = nil) throws -> String {
        try PackagePaths.writeFile(text, mode: mode ?? 0o644, prefix: "cred")
    }

    @Test func environment() async throws {
        let provider = EnvironmentCredentialProvider(environment: Environment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T"]))
        #expect(try await provider.resolve() == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "S", sessionToken: "T", method: "env"))
        // botocore's older AWS_SECURITY_TOKEN is read first, as botocore does.
        let older = EnvironmentCredentialProvider(environment: Environment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SECURITY_TOKEN": "OLD", "AWS_SESSION_TOKEN": "T"]))
        #expect(try await older.resolve()?.sessionToken == "OLD")
        #expect(try await EnvironmentCredentialProvider(environment: Environment([:])).resolve() == nil)
        await #expect(throws: AWSClientError.self) {
            try await EnvironmentCredentialProvider(environment: Environment(["AWS_ACCESS_KEY_ID": "AKID"])).resolve()
        }
    }

    @Test func instanceMetadataV2() async throws {
        let (metadata, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }
        let client = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)/", "AWS_METADATA_SERVICE_TIMEOUT": "10"]), httpClient: httpClient)
        let credentials = try #require(try await InstanceMetadataCredentialProvider(client: client).resolve())
        #expect(credentials.accessKeyId.hasPrefix("IMDSKEY"))
        #expect(credentials.sessionToken == "IMDSTOKEN")
        #expect((credentials.expiration ?? 0) > Date().timeIntervalSince1970 + 3000)
        #expect(metadata.count("/latest/api/token") == 1)
        #expect(await client.region() == "eu-central-1")
    }

    /// As botocore: a token request answered 403, 404, 405 or 5xx means IMDSv1,
    /// unless AWS_EC2_METADATA_V1_DISABLED; 400 is an error.
    @Test(arguments: [403, 404, 405, 503, 400])
    func instanceMetadataV1WhenTheTokenIsRefused(tokenStatus: Int) async throws {
        let (metadata, server) = try MetadataServer.start(imds: .v1Only(tokenStatus: tokenStatus))
        defer { Task { await server.shutdown(gracePeriod: .milliseconds(100)) } }
        let environment = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10"]
        let client = InstanceMetadataClient(environment: Environment(environment), httpClient: httpClient)
        if tokenStatus == 400 {
            await #expect { try await InstanceMetadataCredentialProvider(client: client).resolve() } throws: {
                "\($0)".contains("token request answered HTTP 400")
            }
            #expect(metadata.count("/latest/meta-data/iam/security-credentials/") == 0)
            return
        }
        let credentials = try #require(try await InstanceMetadataCredentialProvider(client: client).resolve())
        #expect(credentials.accessKeyId.hasPrefix("IMDSKEY"))
        #expect(await client.region() == "eu-central-1")

        let v2Only = InstanceMetadataClient(environment: Environment(environment.merging(["AWS_EC2_METADATA_V1_DISABLED": "true"]) { $1 }), httpClient: httpClient)
        await #expect { try await InstanceMetadataCredentialProvider(client: v2Only).resolve() } throws: {
            "\($0)".contains("token request answered HTTP \(tokenStatus), and IMDSv1 is disabled")
        }
        #expect(await v2Only.region() == nil)
    }

    /// A container behind a hop limit of 1 never gets the token's answer: after
    /// the metadata timeout it goes on with IMDSv1, as the SDKs do.
    @Test func instanceMetadataV1WhenTheTokenIsNotAnswered() async throws {
        let (metadata, server) = try MetadataServer.start(imds: .tokenUnanswered)
        defer { Task { await server.shutdown(gracePeriod: .milliseconds(100)) } }
        // Three attempts allowed: the token request is still made once only.
        // A 3 s timeout: what a loaded machine needs for the requests that are answered.
        let environment = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "3",
                           "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3"]
        let client = InstanceMetadataClient(environment: Environment(environment), httpClient: httpClient)
        let credentials = try #require(try await InstanceMetadataCredentialProvider(client: client).resolve())
        #expect(credentials.accessKeyId.hasPrefix("IMDSKEY"))
        #expect(metadata.count("/latest/api/token") == 1, "a token that did not come in time is not asked for again")
        // IMDSv1 disabled: no answer to the token request reads as "not on EC2".
        // (Counted before, since a loaded machine may have made the first client retry.)
        let asked = metadata.count("/latest/meta-data/iam/security-credentials/")
        #expect(asked >= 1)
        let v2Only = InstanceMetadataClient(environment: Environment(environment.merging(["AWS_EC2_METADATA_V1_DISABLED": "true"]) { $1 }), httpClient: httpClient)
        #expect(try await InstanceMetadataCredentialProvider(client: v2Only).resolve() == nil)
        #expect(metadata.count("/latest/meta-data/iam/security-credentials/") == asked, "IMDSv1 disabled asks for no credentials")
    }

    @Test func instanceMetadataDisabledOrAbsent() async throws {
        let disabled = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_DISABLED": "true"]), httpClient: httpClient)
        #expect(try await InstanceMetadataCredentialProvider(client: disabled).resolve() == nil)
        let nothingThere = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(FreePort.next())"]), httpClient: httpClient)
        #expect(try await InstanceMetadataCredentialProvider(client: nothingThere).resolve() == nil)
    }

    @Test func containerWithTokenFileAndToken() async throws {
        let (_, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }
        let url = "http://127.0.0.1:\(server.port)/container/credentials"
        let tokenFile = try temporaryFile("container-secret-token")
        let fromFile = try #require(ContainerCredentialProvider.fromEnvironment(
            Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile]), httpClient: httpClient, timeout: Self.fakeTimeout))
        #expect(try await fromFile.resolve()?.sessionToken == "CONTAINERTOKEN")
        // Read byte for byte as botocore does: a line break is refused, never sent as a header.
        let withNewline = try #require(ContainerCredentialProvider.fromEnvironment(
            Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": try temporaryFile("container-secret-token\n")]),
            httpClient: httpClient, timeout: Self.fakeTimeout))
        await #expect { try await withNewline.resolve() } throws: { "\($0)".contains("line break") }
        let fromVariable = try #require(ContainerCredentialProvider.fromEnvironment(
            Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret-token"]), httpClient: httpClient, timeout: Self.fakeTimeout))
        #expect(try await fromVariable.resolve()?.accessKeyId.hasPrefix("CONTAINERKEY") == true)
        let wrong = try #require(ContainerCredentialProvider.fromEnvironment(
            Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "garbage"]), httpClient: httpClient, timeout: Self.fakeTimeout))
        await #expect(throws: AWSClientError.self) { try await wrong.resolve() }
    }

    @Test func containerURIsAreRestricted() async throws {
        let relative = try #require(ContainerCredentialProvider.fromEnvironment(Environment(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"]), httpClient: httpClient))
        #expect(relative.url == "http://169.254.170.2/v2/credentials/abc")
        #expect(ContainerCredentialProvider.fromEnvironment(Environment([:]), httpClient: httpClient) == nil)
        // Plain HTTP only to an IP literal in 127.0.0.0/8, ::1, the ECS and EKS
        // agents, or a name all of whose addresses are loopback.
        for allowed in ["http://127.0.0.1/c", "http://127.0.0.2:8080/c", "http://[::1]/c", "http://localhost/c", "http://169.254.170.23/v1/credentials", "http://169.254.170.2/c", "http://[fd00:ec2::23]/c", "https://credentials.example.com/c"] {
            await #expect(throws: Never.self, "\(allowed)") { try await ContainerCredentialProvider.check(allowed) }
        }
        // "127." as a prefix of a name is not loopback: the token would go to whatever it resolves to.
        for refused in ["http://127.evil.example/c", "http://evil.example.com/creds", "http://169.254.170.3/c", "http://10.0.0.1/c", "ftp://127.0.0.1/c", "not a url"] {
            await #expect("\(refused)") { try await ContainerCredentialProvider.check(refused) } throws: { error in
                "\(error)".contains("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            }
        }
        // A bad URI is a per-collection failure, not a start-up one.
        let bad = try #require(ContainerCredentialProvider.fromEnvironment(Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.evil.example/c"]), httpClient: httpClient))
        await #expect(throws: AWSClientError.self) { try await bad.resolve() }
    }

    @Test func refreshesBeforeExpiryAndOnlyOnceForABurst() async throws {
        // Credentials live an hour; the cache's clock is moved instead of waiting.
        let (metadata, server) = try MetadataServer.start(lifetime: 3600)
        defer { Task { await server.shutdown() } }
        let client = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10"]), httpClient: httpClient)
        let offset = Mutex(0.0)
        let cached = CachingCredentialProvider(
            InstanceMetadataCredentialProvider(client: client), refreshBefore: .seconds(300),
            now: { Date().timeIntervalSince1970 + offset.withLock { $0 } })
        let burst = try await withThrowingTaskGroup(of: AWSCredentials?.self) { group in
            for _ in 0..<50 { group.addTask { try await cached.resolve() } }
            return try await group.reduce(into: [AWSCredentials?]()) { $0.append($1) }
        }
        #expect(Set(burst.compactMap { $0?.accessKeyId }).count == 1)
        #expect(metadata.count("/latest/api/token") == 1, "one refresh for 50 concurrent callers")
        offset.withLock { $0 = 3600 - 400 } // about 400 s before expiry: still fresh
        let first = try await cached.resolve()
        #expect(metadata.count("/latest/api/token") == 1)
        offset.withLock { $0 = 3600 - 200 } // about 200 s before expiry: refreshed in the background
        let stillValid = try await cached.resolve()
        #expect(stillValid?.accessKeyId == first?.accessKeyId, "answered at once with what is cached")
        var second = stillValid
        for _ in 0..<300 where second?.accessKeyId == first?.accessKeyId {
            try await Task.sleep(for: .milliseconds(10))
            second = try await cached.resolve()
        }
        #expect(metadata.count("/latest/api/token") == 2, "one background refresh")
        #expect(first?.accessKeyId != second?.accessKeyId)
        offset.withLock { $0 = 2 * 3600 - 30 } // 30 s before the second's expiry: callers wait for the refresh
        let third = try await cached.resolve()
        #expect(metadata.count("/latest/api/token") == 3 && third?.accessKeyId != second?.accessKeyId)
    }

    /// A source whose first refresh never ends, then answers; counts its starts.
    final class HangsOnce: CredentialProvider, Sendable {
        let starts = Mutex(0)
        var name: String { "hangs once" }
        func resolve() async throws(AWSClientError) -> AWSCredentials? {
            let start = starts.withLock { $0 += 1; return $0 }
            if start == 1 {
                // Until cancelled: a hung refresh.
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                throw .cancelled("cancelled")
            }
            return AWSCredentials(accessKeyId: "AKIDSECOND", secretAccessKey: "s", method: CredentialMethod.instanceMetadata)
        }
    }

    /// Issue 20: one hung refresh blocked every later caller of that identity.
    @Test func aHungRefreshEndsAtItsDeadlineAndIsStartedAgain() async throws {
        let source = HangsOnce()
        let cached = CachingCredentialProvider(source, refreshTimeout: .seconds(2))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { try await cached.resolve() } throws: { "\($0)".contains("did not finish within") }
        // The hung refresh would never end: answered at all means at its deadline (with room for a loaded machine).
        #expect(start.duration(to: clock.now) < .seconds(20), "the caller was answered at the deadline")
        // Past the deadline the hung refresh is cancelled and a new one
        // answers. (On a loaded machine the new one may itself miss its 2 s;
        // then the next caller starts yet another: what matters is that none
        // waits on the hung one.)
        var answer: AWSCredentials?
        for _ in 0..<5 where answer == nil { answer = try? await cached.resolve() }
        #expect(answer?.accessKeyId == "AKIDSECOND")
        #expect(source.starts.withLock { $0 } >= 2)
    }

    /// Issue 20: temporary credentials without a readable expiry were cached for ever.
    @Test func temporaryCredentialsWithoutAnExpiryAreKeptABoundedTime() async throws {
        final class NoExpiry: CredentialProvider, Sendable {
            let count = Mutex(0)
            var name: String { "no expiry" }
            func resolve() async throws(AWSClientError) -> AWSCredentials? {
                let n = count.withLock { $0 += 1; return $0 }
                return AWSCredentials(accessKeyId: "ASIA\(n)", secretAccessKey: "s", sessionToken: "t", method: CredentialMethod.container)
            }
        }
        let offset = Mutex(0.0)
        let source = NoExpiry()
        let cached = CachingCredentialProvider(source, unknownExpiryLifetime: .seconds(900), now: { 1_800_000_000 + offset.withLock { $0 } })
        #expect(try await cached.resolve()?.accessKeyId == "ASIA1")
        offset.withLock { $0 = 899 }
        #expect(try await cached.resolve()?.accessKeyId == "ASIA1")
        offset.withLock { $0 = 901 }
        #expect(try await cached.resolve()?.accessKeyId == "ASIA2", "fetched again after the bounded lifetime")
        // Long-term keys (the environment, files) have no expiry and keep it.
        let environment = CachingCredentialProvider(EnvironmentCredentialProvider(environment: Environment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"])),
                                                    now: { 1_800_000_000 + offset.withLock { $0 } })
        _ = try await environment.resolve()
        offset.withLock { $0 = 1e9 }
        #expect(await environment.needsRefresh(try #require(try await environment.resolve())) == false)
    }

    @Test func aFailedRefreshKeepsUnexpiredCredentials() async throws {
        let (_, server) = try MetadataServer.start(lifetime: 3600)
        let client = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10"]), httpClient: httpClient)
        let offset = Mutex(0.0)
        let cached = CachingCredentialProvider(
            InstanceMetadataCredentialProvider(client: client), now: { Date().timeIntervalSince1970 + offset.withLock { $0 } })
        let original = try await cached.resolve()
        await server.shutdown()
        offset.withLock { $0 = 3600 - 60 } // due for refresh, IMDS gone, not yet expired
        #expect(try await cached.resolve() == original)
    }

    @Test func stsAssumeRoleAndWebIdentityThroughMoto() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let sts = try sts(moto)
        let assumed = try await sts.assumeRole(
            .init(roleArn: "arn:aws:iam::123456789012:role/reader", sessionName: "test", externalId: "ext-1"),
            using: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret"))
        #expect(assumed.accessKeyId.hasPrefix("ASIA"))
        #expect(assumed.sessionToken?.isEmpty == false)
        #expect((assumed.expiration ?? 0) > Date().timeIntervalSince1970)

        let tokenFile = try temporaryFile("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bW9uOmV4cG9ydGVyIn0.c2ln")
        let webIdentity = try #require(WebIdentityCredentialProvider.fromEnvironment(
            Environment(["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa"]), sts: sts))
        #expect(webIdentity.sessionName.hasPrefix("workspaces-exporter-"))
        let credentials = try #require(try await webIdentity.resolve())
        #expect(credentials.accessKeyId.hasPrefix("ASIA"))

        let missing = WebIdentityCredentialProvider(tokenFile: "/nonexistent/token", roleArn: "arn:aws:iam::1:role/x", sessionName: "s", sts: sts)
        await #expect { try await missing.resolve() } throws: { error in
            "\(error)".contains("cannot read /nonexistent/token")
        }
    }

    @Test func profilesWithChainedRolesAndCredentialSource() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let credentialsFile = try temporaryFile("""
        [base]
        aws_access_key_id = AKIDBASE
        aws_secret_access_key = base-secret

        [temporary]
        aws_access_key_id = ASIATEMP
        aws_secret_access_key = temp-secret
        aws_session_token = temp-token
        """)
        let configFile = try temporaryFile("""
        # A comment
        [default]
        region = eu-west-1

        [profile hop1]
        role_arn = arn:aws:iam::111111111111:role/hop1
        source_profile = base
        external_id = abc

        [profile hop2]
        role_arn = arn:aws:iam::222222222222:role/hop2
        source_profile = hop1
        role_session_name = chained
        s3 =
          max_concurrent_requests = 10

        [profile from-env]
        role_arn = arn:aws:iam::333333333333:role/env
        credential_source = Environment

        [profile loop-a]
        role_arn = arn:aws:iam::1:role/a
        source_profile = loop-b

        [profile loop-b]
        role_arn = arn:aws:iam::1:role/b
        source_profile = loop-a

        [sso-session corp]
        sso_region = us-east-1
        """)
        func provider(_ profile: String, extra: [String: String] = [:]) throws -> ProfileCredentialProvider {
            ProfileCredentialProvider(
                environment: Environment(["AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile, "AWS_PROFILE": profile].merging(extra) { $1 }),
                sts: try sts(moto), httpClient: httpClient)
        }
        #expect(try await provider("base").resolve()?.accessKeyId == "AKIDBASE")
        #expect(try await provider("temporary").resolve()?.sessionToken == "temp-token")
        #expect(try await provider("hop1").resolve()?.accessKeyId.hasPrefix("ASIA") == true)
        #expect(try await provider("hop2").resolve()?.accessKeyId.hasPrefix("ASIA") == true)
        #expect(try await provider("from-env", extra: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"]).resolve()?.accessKeyId.hasPrefix("ASIA") == true)
        await #expect { try await provider("loop-a").resolve() } throws: { "\($0)".contains("source_profile loop") }
        #expect(SharedConfiguration(environment: Environment(["AWS_CONFIG_FILE": configFile])).region() == "eu-west-1")
        // A profile with only a region gives no credentials: the chain goes on (container, instance metadata).
        #expect(try await provider("default").resolve() == nil)
        // A profile that AWS_PROFILE names must exist, even when the environment holds keys (botocore's ProfileNotFound).
        let chain = DefaultCredentialChain.make(
            environment: Environment([
                "AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile, "AWS_PROFILE": "nope",
                "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_EC2_METADATA_DISABLED": "true",
            ]),
            httpClient: httpClient, sts: try sts(moto))
        await #expect { try await chain.resolve() } throws: { "\($0)".contains("the profile named by AWS_PROFILE is in neither") }
    }

    @Test func credentialProcess() async throws {
        let script = try temporaryFile("""
        #!/bin/sh
        echo '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2999-01-01T00:00:00Z"}'
        """, mode: 0o755)
        let good = try await ProcessCredentialProvider(command: script).resolve()
        #expect(good?.accessKeyId == "AKIDPROC")
        #expect(good?.expiration == 32_472_144_000)
        await #expect { try await ProcessCredentialProvider(command: "echo oops >&2; exit 3").resolve() } throws: {
            "\($0)".contains("status 3") && "\($0)".contains("oops")
        }
        await #expect { try await ProcessCredentialProvider(command: "echo '{\"Version\": 2}'").resolve() } throws: {
            "\($0)".contains("Version")
        }
    }

    /// A helper that hangs, or whose background child holds its output open,
    /// is killed with its whole process group at the timeout.
    @Test(arguments: ["hangs", "grandchild"])
    func aHangingHelperIsKilledWithItsGroup(kind: String) async throws {
        let pidFile = try PackagePaths.temporaryDirectory("proc").appendingPathComponent("pid").path
        let command = kind == "hangs"
            ? "echo $$ > \(pidFile); exec sleep 600"
            : "sleep 600 & echo $! > \(pidFile); echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}'"
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { try await ProcessCredentialProvider(command: command, timeout: .milliseconds(500)).resolve() } throws: {
            "\($0)".contains("did not finish") && "\($0)".contains("process group was killed")
        }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(30), "ended at the timeout, not later: \(elapsed)")
        let pid = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Give the kernel a moment to deliver SIGKILL and reap.
        var alive = true
        for _ in 0..<100 where alive {
            alive = kill(pid, 0) == 0 && !Self.isZombie(pid)
            if alive { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!alive, "the \(kind == "hangs" ? "helper" : "background grandchild") \(pid) is gone")
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func rotatedKeysInTheSharedFilesArePickedUp() async throws {
        let file = try temporaryFile("[default]\naws_access_key_id = AKIDOLD\naws_secret_access_key = old\n")
        let cached = CachingCredentialProvider(ProfileCredentialProvider(
            environment: Environment(["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_CONFIG_FILE": "/nonexistent"]),
            sts: try unreachableSTS(), httpClient: httpClient))
        #expect(try await cached.resolve()?.accessKeyId == "AKIDOLD")
        #expect(try await cached.resolve()?.accessKeyId == "AKIDOLD")
        try "[default]\naws_access_key_id = AKIDNEWER\naws_secret_access_key = new\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await cached.resolve()?.accessKeyId == "AKIDNEWER", "the cache read the changed file again")
    }

    @Test func chainOrderAndStickiness() async throws {
        let (metadata, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }
        let environment = Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "HOME": "/nonexistent"])
        let moto = try Endpoint(url: "http://127.0.0.1:1")
        let chain = DefaultCredentialChain.make(environment: environment, httpClient: httpClient, sts: STSClient(region: "us-east-1", endpoint: moto, httpClient: httpClient))
        // Nothing but IMDS is configured: IMDS answers.
        #expect(try await chain.resolve()?.accessKeyId.hasPrefix("IMDSKEY") == true)
        #expect(metadata.count("/latest/api/token") == 1)
        // Environment first when set.
        let withEnvironment = DefaultCredentialChain.make(
            environment: Environment(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10"]),
            httpClient: httpClient, sts: STSClient(region: "us-east-1", endpoint: moto, httpClient: httpClient))
        #expect(try await withEnvironment.resolve()?.accessKeyId == "AKIDENV")
        #expect(metadata.count("/latest/api/token") == 1, "IMDS not asked when the environment has keys")
    }

    /// As botocore: `$NAME`/`${NAME}` from the environment, then a leading `~`.
    @Test func sharedFilePathsAreExpandedAsBotocoreDoes() {
        let environment = Environment(["HOME": "/home/u", "DIR": "/etc/aws", "AWS_CONFIG_FILE": "${DIR}/config", "AWS_SHARED_CREDENTIALS_FILE": "~/x/$DIR$NOPE"])
        let configuration = SharedConfiguration(environment: environment)
        #expect(configuration.configPath == "/etc/aws/config")
        #expect(configuration.credentialsPath == "/home/u/x//etc/aws$NOPE")
        #expect(SharedConfiguration.expand("~", environment: environment) == "/home/u")
        #expect(SharedConfiguration.expand("a~/b${}c$", environment: environment) == "a~/b${}c$")
    }

    /// As botocore: a path that is not a regular file (a folder, a FIFO) is a
    /// missing file, never read and never blocking; sso_* settings without a
    /// role name or account id do not make an SSO profile.
    @Test func sharedFilesThatAreNotRegularFilesCountAsMissing() async throws {
        let folder = try PackagePaths.temporaryDirectory("not-a-file").path
        let fifo = folder + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        for path in [folder, fifo] {
            let chain = DefaultCredentialChain.make(
                environment: Environment(["AWS_CONFIG_FILE": path, "AWS_SHARED_CREDENTIALS_FILE": path, "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s",
                                          "AWS_EC2_METADATA_DISABLED": "true"]),
                httpClient: httpClient, sts: try unreachableSTS())
            #expect(try await chain.resolve()?.method == "env", "\(path)")
        }
        let config = try temporaryFile("[default]\nsso_session = corp\nsso_region = us-east-1\n[sso-session corp]\nsso_start_url = https://x\n")
        let keys = try temporaryFile("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
        let profile = ProfileCredentialProvider(
            environment: Environment(["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": keys]),
            sts: try unreachableSTS(), httpClient: httpClient)
        #expect(try await profile.resolve()?.method == "shared-credentials-file")
    }

    /// Only the key AWS refused is dropped, and only while it is still cached.
    @Test func onlyTheRefusedKeyIsDropped() async throws {
        final class Counting: CredentialProvider, Sendable {
            let count = Mutex(0)
            var name: String { "counting" }
            func resolve() async throws(AWSClientError) -> AWSCredentials? {
                let n = count.withLock { $0 += 1; return $0 }
                return AWSCredentials(accessKeyId: "ASIA\(n)", secretAccessKey: "s", sessionToken: "t", expiration: 4_000_000_000, method: "assume-role")
            }
        }
        let cached = CachingCredentialProvider(Counting())
        #expect(try await cached.resolve()?.accessKeyId == "ASIA1")
        #expect(await cached.invalidate(accessKeyId: "ASIA0", minimumAge: 0) == false, "another key: kept")
        #expect(await cached.invalidate(accessKeyId: "ASIA1", minimumAge: 60) == false, "too fresh for this code: kept")
        #expect(await cached.invalidate(accessKeyId: "ASIA1", minimumAge: 0))
        #expect(try await cached.resolve()?.accessKeyId == "ASIA2")
    }

    @Test func garbageConfigFileIsAClearError() async throws {
        let configFile = try temporaryFile("[profile ok]\nregion = us-east-1\nthis line is garbage\n")
        let provider = ProfileCredentialProvider(
            environment: Environment(["AWS_CONFIG_FILE": configFile, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_PROFILE": "ok"]),
            sts: try unreachableSTS(), httpClient: httpClient)
        await #expect { try await provider.resolve() } throws: { error in
            "\(error)".contains("\(configFile):3: expected 'key = value'")
        }
    }
}
