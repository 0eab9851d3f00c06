import Foundation
import TestSupport
import Testing

/// The real binary against moto_server with signature and IAM checks on: an
/// independent implementation of SigV4 and of the WorkSpaces API.
@Suite(.timeLimit(.minutes(3)))
struct MotoTests {
    static let imageCount = 7

    struct Keys: Decodable {
        struct Pair: Decodable { let AccessKeyId: String; let SecretAccessKey: String }
        let exporter: Pair
        let nobody: Pair
    }

    /// Starts moto_server (auth on after 3 calls) and seeds it; returns the server and keys.
    func startMoto() async throws -> (MotoServer, String, Keys) {
        let python = try #require(PackagePaths.which("python3"))
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        let moto = try await MotoServer.start(authAfter: 3)
        let url = moto.url
        let seed = PackagePaths.root.appendingPathComponent("Tests/Fixtures/seed_moto.py").path
        let result = try await runCommand(python, [seed, url, String(Self.imageCount)], environment: environment)
        #expect(result.status == 0, "seeding moto failed: \(result.output)")
        let json = try #require(result.output.split(separator: "\n").last)
        let keys = try JSONDecoder().decode(Keys.self, from: Data(json.utf8))
        return (moto, url, keys)
    }

    @Test func signedRequestsAreAcceptedAndWrongSecretsAreNot() async throws {
        let (moto, url, keys) = try await startMoto()
        defer { moto.stop() }

        let good = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", url],
            environment: ["AWS_ACCESS_KEY_ID": keys.exporter.AccessKeyId, "AWS_SECRET_ACCESS_KEY": keys.exporter.SecretAccessKey])
        defer { good.stop() }
        let (_, metrics) = try await good.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "\(good.log)")
        #expect(metrics.series("aws_workspaces_image_info").count == Self.imageCount)
        #expect(metrics.value("aws_workspaces_images", ["state": "AVAILABLE", "required_tenancy": "DEFAULT", "os_type": "unknown", "region": "us-east-1"]) == Double(Self.imageCount))

        let wrong = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", url],
            environment: ["AWS_ACCESS_KEY_ID": keys.exporter.AccessKeyId, "AWS_SECRET_ACCESS_KEY": "not-the-secret"])
        defer { wrong.stop() }
        for _ in 0..<2 {
            let (response, failed) = try await wrong.scrape()
            #expect(response.status == 200)
            #expect(failed.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
            #expect(failed.series("aws_workspaces_image_info").isEmpty)
        }
        #expect(wrong.log.contains("code=SignatureDoesNotMatch"), "\(wrong.log)")
        #expect(wrong.process.isRunning)

        let denied = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", url],
            environment: ["AWS_ACCESS_KEY_ID": keys.nobody.AccessKeyId, "AWS_SECRET_ACCESS_KEY": keys.nobody.SecretAccessKey])
        defer { denied.stop() }
        #expect(try await denied.scrape().1.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
        #expect(denied.log.contains("code=AccessDenied"), "\(denied.log)")
    }

    /// Issue 22: `--collector.account-alias` puts the account's IAM alias in
    /// `aws_workspaces_account_info`, asked once for several scrapes; a key
    /// without iam:ListAccountAliases fails only that collector.
    @Test func accountAliasFromIAM() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let python = try #require(PackagePaths.which("python3"))
        let create = """
            import boto3, sys
            boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="AKIDALIAS",
                         aws_secret_access_key="s").create_account_alias(AccountAlias="corp-prod")
            """
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        let created = try await runCommand(python, ["-c", create, moto.url], environment: environment)
        #expect(created.status == 0, "\(created.output)")
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.account-alias", "--no-collector.bundles"],
            environment: ["AWS_ENDPOINT_URL": moto.url, "AWS_ACCESS_KEY_ID": "AKIDALIAS", "AWS_SECRET_ACCESS_KEY": "s"])
        defer { exporter.stop() }
        for _ in 0..<2 {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_account_info", ["account_id": Exporter.defaultAccount, "account_alias": "corp-prod"]) == 1, "\(exporter.log)")
            #expect(metrics.value("aws_workspaces_collector_success", ["collector": "account_alias"]) == 1)
            #expect(metrics.value("aws_workspaces_api_requests_total", ["operation": "ListAccountAliases", "code": "200"]) == 1)
        }

        // moto with IAM checks: the exporter's key may only describe images.
        let (checked, url, keys) = try await startMoto()
        defer { checked.stop() }
        let refused = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.account-alias", "--no-collector.bundles"],
            environment: ["AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": keys.exporter.AccessKeyId, "AWS_SECRET_ACCESS_KEY": keys.exporter.SecretAccessKey])
        defer { refused.stop() }
        let (_, metrics) = try await refused.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "\(refused.log)")
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": "account_alias"]) == 0)
        #expect(metrics.series("aws_workspaces_account_info").isEmpty)
        #expect(refused.log.contains("iam:ListAccountAliases"), "\(refused.log)")
    }
}
