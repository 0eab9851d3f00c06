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
        let admin: Pair
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

    /// A gzipped `/probe` answer is assembled from the target's families kept
    /// deflated since its last probe (issue 31): it must follow the images
    /// all the same. Probed with gzip, an image is added in moto, probed
    /// again: the new image, and the counts that changed with it, are there,
    /// and the gzipped answer holds the same series as a plain one.
    @Test func gzippedProbesFollowTheImages() async throws {
        let (moto, url, keys) = try await startMoto()
        defer { moto.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", url, "--collector.min-interval", "0s", "--log.level", "debug"],
            environment: ["AWS_ACCESS_KEY_ID": keys.exporter.AccessKeyId, "AWS_SECRET_ACCESS_KEY": keys.exporter.SecretAccessKey])
        defer { exporter.stop() }
        let sd = try await HTTPFetch.fetch(exporter.url + "/sd")
        struct Group: Decodable { let targets: [String] }
        let groups = try JSONDecoder().decode([Group].self, from: Data(sd.body))
        let target = try #require(groups.first?.targets.first, "\(sd.text) \(exporter.log)")
        func probe(gzip: Bool) async throws -> ParsedExposition {
            let response = try await HTTPFetch.fetch(exporter.url + "/probe?target=\(target)", headers: gzip ? [("Accept-Encoding", "gzip")] : [])
            #expect(response.status == 200)
            #expect(response.headers["content-encoding"] == (gzip ? "gzip" : nil))
            let body = gzip ? try #require(gunzip(response.body), "not gzip") : response.body
            return ParsedExposition(String(decoding: body, as: UTF8.self))
        }
        func available(_ metrics: ParsedExposition) -> Double? {
            metrics.value("aws_workspaces_images", ["state": "AVAILABLE", "required_tenancy": "DEFAULT", "os_type": "unknown"])
        }
        let volatile: Set<String> = ["aws_workspaces_image_age_seconds", "aws_workspaces_scrape_duration_seconds",
                                     "aws_workspaces_collector_duration_seconds", "aws_workspaces_last_success_timestamp_seconds",
                                     "aws_workspaces_collection_age_seconds"]
        let steady = { (metrics: ParsedExposition) in metrics.values.filter { !volatile.contains($0.key.name) } }
        let unchanged = "API answers unchanged since the last collection"
        // The second collection has the first one's answers: its families
        // are not built, the probe is assembled from the pieces kept.
        var first: ParsedExposition?
        for round in 0..<2 {
            let metrics = try await probe(gzip: true)
            #expect(metrics.series("aws_workspaces_image_info").count == Self.imageCount, "\(exporter.log)")
            #expect(available(metrics) == Double(Self.imageCount))
            if round == 0 {
                #expect(!exporter.log.contains(unchanged), "\(exporter.log)")
            } else {
                try await exporter.waitForLog(unchanged)
            }
            if let first {
                #expect(steady(metrics) == steady(first))
                #expect(Set(metrics.values.keys) == Set(first.values.keys))
            }
            first = metrics
        }
        // Plain: the unbuilt families are built for it.
        let plainBefore = try await probe(gzip: false)
        #expect(steady(plainBefore) == steady(try #require(first)))
        let python = try #require(PackagePaths.which("python3"))
        let create = """
            import boto3, sys
            client = boto3.client("workspaces", endpoint_url=sys.argv[1], region_name="us-east-1",
                                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            workspace = client.describe_workspaces()["Workspaces"][0]["WorkspaceId"]
            client.create_workspace_image(Name="added-later", Description="added", WorkspaceId=workspace)
            """
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        let created = try await runCommand(python, ["-c", create, url, keys.admin.AccessKeyId, keys.admin.SecretAccessKey], environment: environment)
        #expect(created.status == 0, "\(created.output)")
        let grown = try await probe(gzip: true)
        let names = grown.series("aws_workspaces_image_info").keys.compactMap { $0.labels["name"] }
        #expect(names.count == Self.imageCount + 1 && names.contains("added-later"), "\(names)")
        #expect(available(grown) == Double(Self.imageCount + 1))
        let plain = try await probe(gzip: false)
        #expect(steady(grown) == steady(plain), "the gzipped answer holds what a plain one does")
        #expect(Set(grown.values.keys) == Set(plain.values.keys))
        // And again from pieces kept for the new answers.
        let again = try await probe(gzip: true)
        #expect(steady(again) == steady(grown))
        #expect(Set(again.values.keys) == Set(grown.values.keys))
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
