public import AsyncHTTPClient
import Foundation
public import NIOCore

/// The two STS calls credentials need, over the query protocol: `AssumeRole`
/// (signed with the source credentials) and `AssumeRoleWithWebIdentity`
/// (unsigned: the token is the proof).
public struct STSClient: Sendable {
    public let endpoint: Endpoint
    public let region: String
    let httpClient: HTTPClient
    let timeout: TimeAmount

    public init(region: String, endpoint: Endpoint, httpClient: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        self.region = region
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Parameters shared by both calls.
    public struct RoleRequest: Sendable, Hashable {
        public var roleArn: String
        public var sessionName: String
        public var externalId: String?
        public var durationSeconds: Int?

        public init(roleArn: String, sessionName: String, externalId: String? = nil, durationSeconds: Int? = nil) {
            self.roleArn = roleArn
            self.sessionName = sessionName
            self.externalId = externalId
            self.durationSeconds = durationSeconds
        }
    }

    public func assumeRole(_ role: RoleRequest, using credentials: AWSCredentials) async throws(AWSClientError) -> AWSCredentials {
        var parameters = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", role.roleArn), ("RoleSessionName", role.sessionName)]
        if let externalId = role.externalId { parameters.append(("ExternalId", externalId)) }
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        return try await call(parameters, signWith: credentials, source: "AssumeRole \(role.roleArn)")
    }

    public func assumeRoleWithWebIdentity(_ role: RoleRequest, token: String) async throws(AWSClientError) -> AWSCredentials {
        var parameters = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role.roleArn),
            ("RoleSessionName", role.sessionName), ("WebIdentityToken", token),
        ]
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        return try await call(parameters, signWith: nil, source: "AssumeRoleWithWebIdentity \(role.roleArn)")
    }

    func call(_ parameters: [(String, String)], signWith credentials: AWSCredentials?, source: String) async throws(AWSClientError) -> AWSCredentials {
        let body = Array(parameters.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&").utf8)
        var headers: [(name: String, value: String)] = [
            ("Host", endpoint.hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ]
        if let credentials {
            headers = SigV4Signer(region: region, service: "sts").sign(
                .init(method: "POST", path: endpoint.path, headers: headers, body: body),
                credentials: credentials, date: Date().timeIntervalSince1970)
        }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let (status, bytes): (Int, [UInt8])
        do {
            (status, bytes) = try await httpClient.collect(request, timeout: timeout)
        } catch {
            throw .credentials(source: source, reason: "STS at \(endpoint) did not answer: \(error)")
        }
        guard (200..<300).contains(status) else {
            let failure = AWSErrorParser.parse(status: status, errorTypeHeader: nil, body: bytes)
            throw .credentials(source: source, reason: "STS refused: \(failure.code): \(failure.message)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let key = AWSErrorParser.element("AccessKeyId", in: text),
              let secret = AWSErrorParser.element("SecretAccessKey", in: text),
              let token = AWSErrorParser.element("SessionToken", in: text) else {
            throw .credentials(source: source, reason: "STS answer has no Credentials element")
        }
        let expiration = AWSErrorParser.element("Expiration", in: text).flatMap(ISO8601.parse)
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}
