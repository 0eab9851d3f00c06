import Foundation
import TestSupport
import Testing

/// The binary's AWS access end to end: retries against the emulator's faults,
/// deadlines, and credentials from each source against loopback STS (moto),
/// metadata endpoints (in-test servers) and files.
@Suite(.timeLimit(.minutes(3)))
struct AWSAccessTests {
    func temporaryFile(_ text: String, mode: Int? = nil) throws -> String {
        try PackagePaths.writeFile(text, mode: mode ?? 0o644, prefix: "cred")
    }

    // A reset on a reused connection is retried by the HTTP client before any
    // answer; a body cut short is the transport failure the exporter retries.
    @Test(arguments: [("throttle", "throttling", "ThrottlingException"), ("server-error", "server_error", "InternalServerException"), ("truncated", "transport", "TransportError")])
    func retriesRecoverFromTransientFailures(fault: String, reason: String, code: String) async throws {
        let emulator = try await Emulator.start(images: 30, extra: ["--fault", fault, "--fault-every", "2"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--workspaces.page-size", "10"], environment: emulatorCredentials)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "\(exporter.log)")
        #expect(metrics.series("aws_workspaces_image_info").count == 30)
        let labels = ["operation": "DescribeWorkspaceImages", "region": "us-east-1"]
        #expect((metrics.value("aws_workspaces_api_retries_total", labels.merging(["reason": reason]) { $1 }) ?? 0) >= 1)
        #expect((metrics.value("aws_workspaces_api_requests_total", labels.merging(["code": code]) { $1 }) ?? 0) >= 1)
        #expect(metrics.value("aws_workspaces_api_requests_total", labels.merging(["code": "200"]) { $1 }) == 3)
        #expect((metrics.value("aws_workspaces_api_request_duration_seconds_count", labels) ?? 0) >= 4)
    }

    @Test func maxAttemptsFromTheEnvironment() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "throttle"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url],
            environment: emulatorCredentials.merging(["AWS_MAX_ATTEMPTS": "2"]) { $1 })
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(try await emulator.stats().requests == 2)
        #expect(metrics.value("aws_workspaces_api_retries_total", ["operation": "DescribeWorkspaceImages", "region": "us-east-1", "reason": "throttling"]) == 1)
    }

    @Test func scrapeTimeoutHeaderBoundsTheCollection() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--latency-ms", "30000"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let (response, metrics) = try await exporter.scrape(headers: [("X-Prometheus-Scrape-Timeout-Seconds", "1.5")])
        let elapsed = start.duration(to: clock.now)
        #expect(response.status == 200)
        // The API answers after 30 s; the collection must have given up at its 1 s budget.
        // The exporter's own figure is the precise one (this process may be slow under load).
        let duration = try #require(metrics.value("aws_workspaces_scrape_duration_seconds", ["region": "us-east-1"]))
        #expect(duration < 3, "collection took \(duration) s with a 1 s budget")
        #expect(metrics.value("aws_workspaces_scrape_timeout_seconds", ["region": "us-east-1"]) == 1)
        #expect(elapsed < .seconds(20), "the answer waited for the slow API")
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(exporter.log.contains("code=DeadlineExceeded"))
        #expect(exporter.log.contains("X-Prometheus-Scrape-Timeout-Seconds 1.5"))
    }

    @Test func collectorTimeoutWithoutTheHeader() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "stall"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--collector.timeout", "1"], environment: emulatorCredentials)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(exporter.log.contains("--collector.timeout"))
        #expect(exporter.process.isRunning)
    }

    @Test func webIdentityAndRoleChainingThroughMoto() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let emulator = try await Emulator.start(images: 5, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let token = try temporaryFile("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bW9uOmV4cG9ydGVyIn0.c2ln")
        let irsa = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url,
             "--aws.role-arn", "arn:aws:iam::210987654321:role/cross-account-reader", "--aws.external-id", "ext-123"],
            environment: [
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
                "AWS_ENDPOINT_URL_STS": moto.url,
            ])
        defer { irsa.stop() }
        #expect(try await irsa.scrape().1.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "\(irsa.log)")

        let garbage = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url],
            environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": try temporaryFile("   \n"), "AWS_ROLE_ARN": "arn:aws:iam::1:role/x", "AWS_ENDPOINT_URL_STS": moto.url])
        defer { garbage.stop() }
        #expect(try await garbage.scrape().1.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(garbage.log.contains("code=CredentialsError") && garbage.log.contains("the token file is empty"), "\(garbage.log)")
    }

    @Test func profilesCredentialProcessAndGarbageConfig() async throws {
        let emulator = try await Emulator.start(images: 5, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let script = try temporaryFile("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"proc-secret\"}'\n", mode: 0o755)
        let config = try temporaryFile("[profile scripted]\ncredential_process = \(script)\nregion = ap-south-1\n")
        let scripted = try await Exporter.start(
            ["--aws.endpoint-url", emulator.url, "--aws.account-id", Exporter.defaultAccount], environment: ["AWS_CONFIG_FILE": config, "AWS_PROFILE": "scripted"])
        defer { scripted.stop() }
        // The region came from the profile.
        #expect(try await scripted.scrape().1.value("aws_workspaces_up", ["region": "ap-south-1"]) == 1, "\(scripted.log)")

        let broken = try temporaryFile("[profile broken]\naws_access_key_id = AKID\nthis is not ini\n")
        let garbage = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: ["AWS_CONFIG_FILE": broken, "AWS_PROFILE": "broken"])
        defer { garbage.stop() }
        #expect(try await garbage.scrape().1.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(garbage.log.contains("\(broken):3"), "\(garbage.log)")
        #expect(garbage.process.isRunning)
    }

    /// A credential helper that hangs (an MFA prompt, say), or whose
    /// background child keeps its output open, must not freeze the exporter:
    /// it runs off Swift's two-thread pool, `/-/healthy` answers meanwhile, the
    /// scrape answers up 0 by its deadline, and the helper's group is killed.
    @Test(arguments: ["hangs", "grandchild"])
    func aHangingCredentialHelperFreezesNothing(kind: String) async throws {
        let emulator = try await Emulator.start(images: 5, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let pidFile = try PackagePaths.temporaryDirectory("helper").appendingPathComponent("pid").path
        let helper = kind == "hangs"
            ? "#!/bin/sh\necho $$ > \(pidFile)\nexec sleep 600\n"
            : "#!/bin/sh\nsleep 600 &\necho $! > \(pidFile)\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}'\n"
        let script = try temporaryFile(helper, mode: 0o755)
        let config = try temporaryFile("[profile mfa]\ncredential_process = \(script)\n")
        let exporter = try await Exporter.start(
            // 8 s: room for the health checks below on a loaded machine (the helper ends at 7 s).
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--collector.timeout", "8s"],
            environment: ["AWS_CONFIG_FILE": config, "AWS_PROFILE": "mfa"])
        defer { exporter.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let scrapesDone = Counter()
        let scrapes = (0..<2).map { _ in
            // Several scrapes at once would each hold a pool thread if the helper ran on it.
            Task {
                defer { scrapesDone.increment() }
                return try await exporter.scrape()
            }
        }
        while !FileManager.default.fileExists(atPath: pidFile) { try await Task.sleep(for: .milliseconds(10)) }
        for _ in 0..<3 {
            let health = try await HTTPFetch.fetch(exporter.url + "/-/healthy", timeout: .seconds(5))
            #expect(health.status == 200)
            // Ordering, not timing: answered while both scrapes still wait on the hung helper.
            let done = scrapesDone.value
            #expect(done == 0, "/-/healthy waited for the helper")
        }
        let (_, metrics) = try await scrapes[0].value
        _ = try await scrapes[1].value
        let took = start.duration(to: clock.now)
        #expect(metrics.value("aws_workspaces_up") == 0)
        #expect(took < .seconds(30), "the scrape answered by its 8 s deadline, not the helper's 600 s: \(took)")
        // The helper's group was killed at its timeout (--collector.timeout).
        let pid = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<150 where !gone {
            gone = kill(pid, 0) != 0
            if !gone { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(gone, "process \(pid) outlived the timeout")
        #expect(exporter.log.contains("process group was killed"), "\(exporter.log)")
    }

    @Test func containerAndInstanceMetadataCredentials() async throws {
        let emulator = try await Emulator.start(images: 5, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let (metadata, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }

        let container = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url],
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(server.port)/container/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret-token",
            ])
        defer { container.stop() }
        _ = try await container.scrapeUntilUp(["region": "us-east-1"])
        #expect(!container.log.contains("container-secret-token"))

        // On "EC2": credentials and the region from instance metadata.
        let ec2 = try await Exporter.start(
            ["--aws.endpoint-url", emulator.url, "--aws.account-id", Exporter.defaultAccount],
            environment: ["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10"])
        defer { ec2.stop() }
        _ = try await ec2.scrapeUntilUp(["region": "eu-central-1"])
        #expect(metadata.count("/latest/api/token") >= 2)
    }

    /// Issue 23: the most common EC2 set-up, a `~/.aws/config` with only a
    /// region and the credentials from the instance role. The profile gives
    /// the region and no credentials, and the chain goes on to instance
    /// metadata, as botocore's does; with AWS_PROFILE naming it too.
    @Test(arguments: [nil, "default", "regional"])
    func aProfileWithOnlyARegionDoesNotEndTheChain(profile: String?) async throws {
        let emulator = try await Emulator.start(images: 5, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let (metadata, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }
        let home = try PackagePaths.temporaryDirectory("ec2-home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        try "[default]\nregion = eu-west-1\n\n[profile regional]\nregion = eu-west-1\n"
            .write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        var environment = [
            "HOME": home.path, "AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": "", "AWS_EC2_METADATA_DISABLED": "",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "10",
        ]
        if let profile { environment["AWS_PROFILE"] = profile }
        let ec2 = try await Exporter.start(["--aws.endpoint-url", emulator.url, "--aws.account-id", Exporter.defaultAccount], environment: environment)
        defer { ec2.stop() }
        // The region came from the profile (the metadata fake says eu-central-1), the credentials from the instance role.
        _ = try await ec2.scrapeUntilUp(["region": "eu-west-1"])
        #expect(metadata.count("/latest/meta-data/iam/security-credentials/exporter-role") >= 1)
        #expect(!ec2.log.contains("CredentialsError"), "\(ec2.log)")

        // The check says the same, in botocore's words.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment.filter { !$0.value.isEmpty }) { $1 }
        let check = try ChildProcess(PackagePaths.binary("workspaces_exporter").path, ["--aws.check-credentials"], environment: env)
        #expect(await check.waitForExit(timeout: .seconds(30)) == 0, "\(check.stderr)")
        #expect(check.stdout.contains("credentials method=iam-role access_key_id=****************"), "\(check.stdout)")
        #expect(check.stdout.contains("region name=eu-west-1"), "\(check.stdout)")
        #expect(!check.stdout.contains("IMDSSECRET") && !check.stdout.contains("IMDSTOKEN"))
    }

    /// Issue 20: AWS refusing a cached session as expired (revoked early) made
    /// every scrape fail until the cached expiry, an hour later. Now the cache
    /// is dropped and the request tried once more with a new session.
    @Test func anExpiredTokenDropsTheCachedSessionAndRetriesOnce() async throws {
        let member = "111111111111"
        let emulator = try await Emulator.start(images: 4, extra: ["--account", "\(member):4:0", "--fault", "expired-token"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.role-arn", "arn:aws:iam::\(member):role/reader", "--no-collector.bundles"],
            environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["account_id": member]) == 1, "\(exporter.log)")
        #expect(metrics.value("aws_workspaces_api_requests_total", ["operation": "AssumeRole", "account_id": member, "code": "200"]) == 2)
        #expect(metrics.value("aws_workspaces_api_requests_total", ["operation": "DescribeWorkspaceImages", "code": "ExpiredTokenException"]) == 1)
        #expect(exporter.log.contains("AWS refused the cached credentials"), "\(exporter.log)")
    }

    /// Issue 20: an unusable proxy setting was ignored and requests went
    /// direct. Now start-up stops, naming the variable and never its value.
    @Test(arguments: ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY"])
    func anUnusableProxyStopsStartUp(variable: String) async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.lowercased().hasSuffix("_proxy") }
        environment[variable] = "socks5://proxy-user:hunter2-secret@proxy.example:1080"
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        let exporter = try ChildProcess(
            PackagePaths.binary("workspaces_exporter").path,
            ["--web.listen-address", "127.0.0.1:\(FreePort.next())", "--aws.region", "us-east-1", "--aws.account-id", Exporter.defaultAccount],
            environment: environment)
        #expect(await exporter.waitForExit(timeout: .seconds(10)) == 1)
        #expect(exporter.stderr.contains(variable.uppercased()), "\(exporter.stderr)")
        #expect(!exporter.stderr.contains("hunter2") && !exporter.stderr.contains("proxy-user"), "\(exporter.stderr)")
    }

    /// Issue 20: an https:// proxy was ignored and requests went direct. Now
    /// the binary reaches the endpoint through it: TLS to the proxy, CONNECT,
    /// the endpoint's TLS inside.
    @Test func theBinaryGoesThroughAnHTTPSProxy() async throws {
        let certificates = try await TestCertificates.make()
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let fixtures = PackagePaths.root.appendingPathComponent("Tests/Fixtures")
        let (endpoint, endpointPort) = try await ChildProcess.startServer { port in
            try ChildProcess(python, [fixtures.appendingPathComponent("raw_http_server.py").path, "--port", String(port), "--mode", "empty-images",
                                      "--tls", certificates.path("server.pem"), certificates.path("server.key")])
        }
        defer { endpoint.stop() }
        let (proxy, proxyPort) = try await ChildProcess.startServer { port in
            try ChildProcess(python, [fixtures.appendingPathComponent("http_proxy.py").path, "--port", String(port), "--resolve", "origin.test=127.0.0.1",
                                      "--tls", certificates.path("server.pem"), certificates.path("server.key")])
        }
        defer { proxy.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", "https://origin.test:\(endpointPort)", "--no-collector.bundles"],
            environment: ["HTTPS_PROXY": "https://localhost:\(proxyPort)", "AWS_CA_BUNDLE": certificates.path("ca.pem"),
                          "AWS_ACCESS_KEY_ID": "AKIDPROXY", "AWS_SECRET_ACCESS_KEY": "s"])
        defer { exporter.stop() }
        #expect(try await exporter.scrape().1.value("aws_workspaces_up") == 1, "\(exporter.log)")
        #expect(proxy.stdout.contains("CONNECT origin.test:\(endpointPort)"), "\(proxy.stdout)")
    }

    /// Issue 20: a profile's `ca_bundle` was ignored (only AWS_CA_BUNDLE counted).
    @Test func theProfilesCABundleIsTrusted() async throws {
        let certificates = try await TestCertificates.make()
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/raw_http_server.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let (server, port) = try await ChildProcess.startServer { port in
            try ChildProcess(python, [script, "--port", String(port), "--mode", "gzip-unasked", "--tls", certificates.path("server.pem"), certificates.path("server.key")])
        }
        defer { server.stop() }
        for withBundle in [true, false] {
            let config = try temporaryFile("[default]\nregion = us-east-1\n" + (withBundle ? "ca_bundle = \(certificates.path("ca.pem"))\n" : ""))
            let exporter = try await Exporter.start(
                ["--aws.endpoint-url", "https://127.0.0.1:\(port)", "--aws.account-id", Exporter.defaultAccount, "--no-collector.bundles"],
                environment: ["AWS_CONFIG_FILE": config, "AWS_ACCESS_KEY_ID": "AKIDCA", "AWS_SECRET_ACCESS_KEY": "s"])
            defer { exporter.stop() }
            #expect(try await exporter.scrape().1.value("aws_workspaces_up") == 0)
            if withBundle {
                // TLS held; the (gzip-encoded) answer is what failed.
                #expect(exporter.log.contains("code=InvalidResponse") && !exporter.log.contains("not trusted"), "\(exporter.log)")
            } else {
                #expect(exporter.log.contains("not trusted"), "\(exporter.log)")
            }
        }
    }

    @Test func noRegionAnywhereStopsStartUpWithTheSources() async throws {
        let exporter = try ChildProcess(
            PackagePaths.binary("workspaces_exporter").path, ["--web.listen-address", "127.0.0.1:\(FreePort.next())"],
            environment: ["AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        let status = await exporter.waitForExit(timeout: .seconds(10))
        #expect(status == 1)
        #expect(exporter.stderr.contains("no AWS region found"))
        #expect(exporter.stderr.contains("AWS_DEFAULT_REGION"))
    }
}
