import Foundation
import HTTPServer
import TestSupport
import Testing
@testable import AWSCore

@Suite struct RegionResolverTests {
    let none = Environment(["AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"])

    @Test func flagThenEnvironment() async throws {
        #expect(try await RegionResolver.resolve(flag: ["a", "a", "b"], environment: Environment(["AWS_REGION": "c"]), instanceMetadata: nil) == ["a", "b"])
        #expect(try await RegionResolver.resolve(flag: [], environment: Environment(["AWS_REGION": "c", "AWS_DEFAULT_REGION": "d"]), instanceMetadata: nil) == ["c"])
        #expect(try await RegionResolver.resolve(flag: [], environment: Environment(["AWS_DEFAULT_REGION": "d", "AWS_CONFIG_FILE": "/nonexistent"]), instanceMetadata: nil) == ["d"])
    }

    @Test func profileThenInstanceMetadata() async throws {
        let config = try PackagePaths.temporaryDirectory("region").appendingPathComponent("config")
        try "[profile ops]\nregion = ap-southeast-2\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(try await RegionResolver.resolve(flag: [], environment: Environment(["AWS_CONFIG_FILE": config.path, "AWS_PROFILE": "ops"]), instanceMetadata: nil) == ["ap-southeast-2"])

        let (_, server) = try MetadataServer.start()
        defer { Task { await server.shutdown() } }
        let imds = InstanceMetadataClient(environment: Environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)", "AWS_METADATA_SERVICE_TIMEOUT": "30"]), httpClient: HTTPFetch.client)
        #expect(try await RegionResolver.resolve(flag: [], environment: none, instanceMetadata: imds) == ["eu-central-1"])
    }

    @Test func noRegionListsTheSources() async {
        await #expect { try await RegionResolver.resolve(flag: [], environment: none, instanceMetadata: nil) } throws: { error in
            let text = "\(error)"
            return text.contains("--aws.region") && text.contains("AWS_REGION") && text.contains("AWS_DEFAULT_REGION") && text.contains("profile") && text.contains("instance metadata")
        }
    }
}
