import Foundation
import TestSupport
import Testing

/// Issue 22's AWS settings on the real binary: an IAM Identity Center
/// profile scraping the emulator through the loopback portal fake, the
/// adaptive retry mode against the emulator's rate limit, and dual-stack
/// endpoints and retry settings taken from the profile.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AWSProfileSettingsTests {
    static let ssoConfig = SSOHome.sampleConfig

    @Test func anSSOProfileScrapesAndSaysHowToLogInAgain() async throws {
        let emulator = try await Emulator.start(images: 6, extra: ["--accept-unknown-keys"])
        defer { emulator.stop() }
        let sso = try await SSOServer.start(["--access-token", "token-1", "--key", "ASIASSOEXPORTER", "--secret", "sso-secret"])
        defer { sso.stop() }
        let home = try SSOHome(config: Self.ssoConfig)
        try home.writeToken("corp", ["startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "token-1", "expiresAt": SSOHome.time(3600)])
        let environment = home.environment(profile: "dev").merging(sso.environment) { $1 }.merging(["AWS_ENDPOINT_URL": emulator.url]) { $1 }

        let exporter = try await Exporter.start(["--aws.account-id", Exporter.defaultAccount, "--no-collector.bundles"], environment: environment)
        defer { exporter.stop() }
        for _ in 0..<3 {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "\(exporter.log)")
            #expect(!metrics.series("aws_workspaces_images").isEmpty)
        }
        // Cached until near expiry: one GetRoleCredentials for three scrapes.
        #expect(try await sso.stats().getRoleCredentials == 1)

        // The check names the method as botocore does, and never the secret or the token.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        let check = try ChildProcess(PackagePaths.binary("workspaces_exporter").path, ["--aws.check-credentials"], environment: env)
        #expect(await check.waitForExit(timeout: .seconds(30)) == 0, "\(check.stderr)")
        #expect(check.stdout.contains("credentials method=sso access_key_id=*"), "\(check.stdout)")
        #expect(!check.stdout.contains("sso-secret") && !check.stdout.contains("token-1"), "\(check.stdout)")

        // Logged out (the token expired, no refresh token): a fresh exporter
        // fails the target and its log says what to run.
        try home.writeToken("corp", ["accessToken": "token-1", "expiresAt": SSOHome.time(-5)])
        let loggedOut = try await Exporter.start(["--aws.account-id", Exporter.defaultAccount, "--no-collector.bundles"], environment: environment)
        defer { loggedOut.stop() }
        #expect(try await loggedOut.scrape().1.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(loggedOut.log.contains("aws sso login --profile dev"), "\(loggedOut.log)")
        #expect(!loggedOut.log.contains("token-1"), "\(loggedOut.log)")
    }

    @Test func adaptiveModeWaitsOnItsOwnWhenThrottled() async throws {
        // Two WorkSpaces calls a second per account and region; 120 images
        // (5 pages) per scrape asks for more.
        let emulator = try await Emulator.start(images: 120, extra: ["--throttle-rate", "2"])
        defer { emulator.stop() }
        let config = try PackagePaths.temporaryDirectory("retry").appendingPathComponent("config")
        try "[default]\nretry_mode = adaptive\nmax_attempts = 6\n".write(to: config, atomically: true, encoding: .utf8)
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--no-collector.bundles", "--log.level", "debug"],
            environment: emulator.environment.merging(["AWS_CONFIG_FILE": config.path]) { $1 })
        defer { exporter.stop() }
        var up = 0.0
        var metrics = ParsedExposition("")
        var text = ""
        for _ in 0..<4 {
            let (response, parsed) = try await exporter.scrape(headers: [("X-Prometheus-Scrape-Timeout-Seconds", "20")])
            (text, metrics) = (response.text, parsed)
            up += metrics.value("aws_workspaces_up") ?? 0
        }
        #expect(exporter.log.contains("retry_mode=adaptive") && exporter.log.contains("max_attempts=6"), "\(exporter.log.suffix(3000))")
        // Throttled at first, then the client paced itself: it waited rather than being refused.
        let throttled = try await emulator.stats().count("Throttled")
        #expect(throttled >= 1)
        let waited = metrics.value("aws_workspaces_api_rate_limit_wait_seconds_total", ["operation": "DescribeWorkspaceImages"]) ?? 0
        #expect(waited > 0.5, "\(text.split(separator: "\n").filter { $0.hasPrefix("aws_workspaces_api_") }.joined(separator: "\n"))")
        #expect(up >= 3, "\(exporter.log.suffix(3000))")
    }

    @Test(arguments: [
        ("AWS_RETRY_MODE", "fast", #"AWS_RETRY_MODE \"fast\" is not a retry mode"#),
        ("AWS_MAX_ATTEMPTS", "0", #"AWS_MAX_ATTEMPTS \"0\" is not a whole number from 1 to 100"#),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", #"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE \"IPv5\" is not IPv4 or IPv6"#),
    ])
    func aBadSettingStopsStartUpNamingIt(variable: String, value: String, message: String) async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment.merge([variable: value, "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent"]) { $1 }
        let exporter = try ChildProcess(
            PackagePaths.binary("workspaces_exporter").path,
            ["--web.listen-address", "127.0.0.1:\(FreePort.next())", "--aws.region", "us-east-1", "--aws.account-id", Exporter.defaultAccount],
            environment: environment)
        #expect(await exporter.waitForExit(timeout: .seconds(10)) == 1)
        #expect(exporter.stderr.contains(message), "\(exporter.stderr)")
    }

    /// `use_dualstack_endpoint` in the profile: the WorkSpaces host is the
    /// dual-stack one (seen by a proxy, since api.aws is not reachable here).
    @Test func dualStackEndpointsFromTheProfile() async throws {
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let fixtures = PackagePaths.root.appendingPathComponent("Tests/Fixtures")
        let (proxy, proxyPort) = try await ChildProcess.startServer { port in
            try ChildProcess(python, [fixtures.appendingPathComponent("http_proxy.py").path, "--port", String(port)])
        }
        defer { proxy.stop() }
        let config = try PackagePaths.temporaryDirectory("dualstack").appendingPathComponent("config")
        try "[default]\nuse_dualstack_endpoint = true\nmax_attempts = 1\n".write(to: config, atomically: true, encoding: .utf8)
        let exporter = try await Exporter.start(
            ["--aws.region", "eu-west-1", "--no-collector.bundles"],
            environment: ["AWS_CONFIG_FILE": config.path, "HTTPS_PROXY": "http://127.0.0.1:\(proxyPort)",
                          "AWS_ACCESS_KEY_ID": "AKIDDUAL", "AWS_SECRET_ACCESS_KEY": "s"])
        defer { exporter.stop() }
        #expect(try await exporter.scrape(headers: [("X-Prometheus-Scrape-Timeout-Seconds", "5")]).1.value("aws_workspaces_up") == 0)
        #expect(proxy.stdout.contains("CONNECT workspaces.eu-west-1.api.aws:443"), "\(proxy.stdout)")
    }
}
