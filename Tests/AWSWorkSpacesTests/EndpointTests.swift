import Testing
@testable import AWSWorkSpaces

@Suite struct EndpointTests {
    @Test func defaultsToThePublicEndpoint() throws {
        let endpoint = try Endpoint.resolve(service: "workspaces", region: "eu-west-1", override: nil, environment: [:])
        #expect(endpoint.url == "https://workspaces.eu-west-1.amazonaws.com/")
        #expect(endpoint.hostHeader == "workspaces.eu-west-1.amazonaws.com")
    }

    @Test func chinaRegionsUseTheChinaPartition() throws {
        let endpoint = try Endpoint.resolve(service: "workspaces", region: "cn-northwest-1", override: nil, environment: [:])
        #expect(endpoint.url == "https://workspaces.cn-northwest-1.amazonaws.com.cn/")
    }

    @Test func overridePrecedence() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_WORKSPACES": "http://specific:2"]
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: "http://flag:3", environment: environment).url == "http://flag:3/")
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: nil, environment: environment).url == "http://specific:2/")
        #expect(try Endpoint.resolve(service: "workspaces", region: "us-east-1", override: nil, environment: ["AWS_ENDPOINT_URL": "http://general:1"]).url == "http://general:1/")
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
}
