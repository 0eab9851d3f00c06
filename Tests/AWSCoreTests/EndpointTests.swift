import Foundation
import Support
import TestSupport
import Testing
@testable import AWSCore

@Suite struct EndpointTests {
    @Test func defaultsToThePublicEndpoint() throws {
        let endpoint = try Endpoint.resolve(service: "workspaces", region: "eu-west-1", override: nil, environment: Environment([:]))
        #expect(endpoint.url == "https://workspaces.eu-west-1.amazonaws.com/")
        #expect(endpoint.hostHeader == "workspaces.eu-west-1.amazonaws.com")
    }

    @Test func chinaRegionsUseTheChinaPartition() throws {
        let endpoint = try Endpoint.resolve(service: "workspaces", region: "cn-northwest-1", override: nil, environment: Environment([:]))
        #expect(endpoint.url == "https://workspaces.cn-northwest-1.amazonaws.com.cn/")
    }

    @Test func overridePrecedence() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_WORKSPACES": "http://specific:2"]
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: "http://flag:3", environment: Environment(environment)).url == "http://flag:3/")
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: nil, environment: Environment(environment)).url == "http://specific:2/")
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: nil, environment: Environment(["AWS_ENDPOINT_URL": "http://general:1"])).url == "http://general:1/")
    }

    @Test func hostHeaderKeepsNonDefaultPorts() throws {
        #expect(try Endpoint(url: "http://127.0.0.1:4599").hostHeader == "127.0.0.1:4599")
        #expect(try Endpoint(url: "https://vpce-1.workspaces.us-east-1.vpce.amazonaws.com:443/").hostHeader == "vpce-1.workspaces.us-east-1.vpce.amazonaws.com")
        #expect(try Endpoint(url: "http://[::1]:8080").hostHeader == "[::1]:8080")
    }

    @Test(arguments: ["", "localhost:4599", "ftp://x", "http://", "not a url"])
    func rejectsUnusableURLs(text: String) {
        #expect(throws: AWSClientError.self) { try Endpoint(url: text) }
    }

    @Test(arguments: [
        ("workspaces", "us-east-1", false, "workspaces.us-east-1.amazonaws.com"),
        ("workspaces", "us-east-1", true, "workspaces-fips.us-east-1.amazonaws.com"),
        ("workspaces", "us-gov-west-1", false, "workspaces.us-gov-west-1.amazonaws.com"),
        ("workspaces", "us-gov-west-1", true, "workspaces-fips.us-gov-west-1.amazonaws.com"),
        ("workspaces", "cn-northwest-1", false, "workspaces.cn-northwest-1.amazonaws.com.cn"),
        ("workspaces", "us-iso-east-1", false, "workspaces.us-iso-east-1.c2s.ic.gov"),
        ("workspaces", "us-isob-east-1", true, "workspaces-fips.us-isob-east-1.sc2s.sgov.gov"),
        ("sts", "eu-west-1", false, "sts.eu-west-1.amazonaws.com"),
        ("sts", "us-east-2", true, "sts-fips.us-east-2.amazonaws.com"),
        ("sts", "us-gov-east-1", true, "sts.us-gov-east-1.amazonaws.com"),
        ("sts", "cn-north-1", false, "sts.cn-north-1.amazonaws.com.cn"),
    ])
    func partitionsAndFIPS(service: String, region: String, fips: Bool, host: String) throws {
        let endpoint = try Endpoint.resolve(service: service, region: region, override: nil, useFIPS: fips, environment: Environment([:]))
        #expect(endpoint.url == "https://\(host)/")
    }

    @Test func fipsFromEnvironmentAndOverridesWin() throws {
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-west-2", override: nil, environment: Environment(["AWS_USE_FIPS_ENDPOINT": "true"])).url
                == "https://workspaces-fips.us-west-2.amazonaws.com/")
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-west-2", override: "http://vpce:1", useFIPS: true, environment: Environment([:])).url == "http://vpce:1/")
        #expect(try Endpoint.resolve(service: "sts", region: "us-west-2", override: nil, environment: Environment(["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"])).url == "http://127.0.0.1:5000/")
    }

    /// Issue 23: every region botocore knows (each partition, the `*-global`
    /// pseudo-regions, made-up and unknown ones) × FIPS × dual-stack, for
    /// WorkSpaces, STS and Organizations, against botocore's own endpoint rules
    /// (Tests/Fixtures/endpoint_oracle.py). Any difference fails, printed.
    @Test func everyRegionAgreesWithBotocore() async throws {
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/endpoint_oracle.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let oracle = try ChildProcess(python, [script])
        #expect(await oracle.waitForExit(timeout: .seconds(120)) == 0, "\(oracle.stderr)")
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(oracle.stdout.utf8)) as? [[String: Any]])
        #expect(cases.count >= 700)
        var answers: [[String: Any]] = []
        for entry in cases {
            guard let service = entry["service"] as? String, let region = entry["region"] as? String,
                  let fips = entry["fips"] as? Bool, let dualStack = entry["dualstack"] as? Bool else { continue }
            var answer: [String: Any] = ["service": service, "region": region, "fips": fips, "dualstack": dualStack]
            do {
                let endpoint = try Endpoint.resolve(
                    service: service, region: region, override: nil, useFIPS: fips, useDualStack: dualStack, environment: Environment([:]))
                answer["url"] = endpoint.url
                answer["signing_region"] = endpoint.signingRegion ?? region
            } catch {
                answer["error"] = "\(error)"
            }
            answers.append(answer)
        }
        let file = try PackagePaths.temporaryDirectory("endpoints").appendingPathComponent("exporter.json")
        try JSONSerialization.data(withJSONObject: answers).write(to: file)
        let compare = try ChildProcess(python, [script, "--compare", file.path])
        #expect(await compare.waitForExit(timeout: .seconds(120)) == 0, "\(compare.stdout)\(compare.stderr)")
        #expect(compare.stdout.contains(", 0 differences"), "\(compare.stdout)")
    }

    /// A region becomes part of a host name: anything but a DNS label is refused,
    /// as botocore does, and never sends a signed request to another host.
    @Test(arguments: ["evil.example#", "eu-west-1/x", "a b", "", "-eu", "eu-", String(repeating: "a", count: 64), "eu-west-1.evil.example"])
    func regionsThatAreNotLabelsAreRefused(region: String) {
        #expect(throws: AWSClientError.self) { try Endpoint.resolve(service: "workspaces", region: region, override: nil, environment: Environment([:])) }
    }

    @Test func userInformationNeverReachesAMessage() {
        #expect(URLParts.redacted("https://user:secret@vpce.example/path@x") == "https://***@vpce.example/path@x")
        #expect(URLParts.redacted("http://plain.example:80/") == "http://plain.example:80/")
        #expect(throws: AWSClientError.self) { try Endpoint(url: "https://u:secret@vpce.example") }
        do {
            _ = try Endpoint(url: "https://u:secret@vpce.example")
        } catch {
            #expect(!"\(error)".contains("secret"))
        }
    }

    @Test func dualStackFromTheEnvironment() throws {
        #expect(try Endpoint.resolve(service: "workspaces", region: "eu-west-1", override: nil, environment: Environment(["AWS_USE_DUALSTACK_ENDPOINT": "true"])).url
                == "https://workspaces.eu-west-1.api.aws/")
        let organizations = try Endpoint.resolve(service: "organizations", region: "eu-west-1", override: nil, environment: Environment([:]))
        #expect(organizations.url == "https://organizations.us-east-1.amazonaws.com/" && organizations.signingRegion == "us-east-1")
    }

    /// IAM (the account-alias collector): botocore 1.43's answers, URL and
    /// signing region, for its three partitions with an IAM endpoint of
    /// their own, in every FIPS and dual-stack combination.
    @Test(arguments: [
        ("us-east-1", false, false, "https://iam.amazonaws.com/", "us-east-1"),
        ("eu-west-1", true, false, "https://iam-fips.amazonaws.com/", "us-east-1"),
        ("eu-west-1", false, true, "https://iam.global.api.aws/", "us-east-1"),
        ("us-east-1", true, true, "https://iam-fips.global.api.aws/", "us-east-1"),
        ("cn-north-1", false, false, "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1"),
        ("cn-northwest-1", true, false, "https://iam-fips.amazonaws.com.cn/", "cn-northwest-1"),
        ("cn-north-1", false, true, "https://iam.global.api.amazonwebservices.com.cn/", "cn-north-1"),
        ("cn-northwest-1", true, true, "https://iam-fips.api.amazonwebservices.com.cn/", "cn-northwest-1"),
        ("us-gov-west-1", false, false, "https://iam.us-gov.amazonaws.com/", "us-gov-west-1"),
        ("us-gov-east-1", true, false, "https://iam.us-gov.amazonaws.com/", "us-gov-west-1"),
        ("us-gov-east-1", false, true, "https://iam.us-gov.api.aws/", "us-gov-west-1"),
    ])
    func iamIsGlobalPerPartition(region: String, fips: Bool, dualStack: Bool, url: String, signingRegion: String) throws {
        let endpoint = try Endpoint.resolve(service: "iam", region: region, override: nil, useFIPS: fips, useDualStack: dualStack, environment: Environment([:]))
        #expect(endpoint.url == url)
        #expect((endpoint.signingRegion ?? region) == signingRegion)
    }

    @Test func iamElsewhereNeedsAnEndpoint() {
        #expect(throws: AWSClientError.self) {
            try Endpoint.resolve(service: "iam", region: "us-isob-east-1", override: nil, environment: Environment([:]))
        }
        #expect((try? Endpoint.resolve(service: "iam", region: "us-isob-east-1", override: nil, environment: Environment(["AWS_ENDPOINT_URL_IAM": "https://iam.internal"])))?.url == "https://iam.internal/")
    }
}
