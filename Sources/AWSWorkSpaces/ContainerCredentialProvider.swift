public import AsyncHTTPClient
import Foundation
public import NIOCore

/// Credentials from the ECS task role endpoint or EKS Pod Identity agent:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the token from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read each time) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
public struct ContainerCredentialProvider: CredentialProvider {
    public let url: String
    let environment: Environment
    let httpClient: HTTPClient
    let timeout: TimeAmount

    /// Hosts a full URI may name over plain HTTP: loopback and the ECS and EKS link-local agents.
    static let allowedHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]

    /// From the environment; nil when neither URI variable is set.
    public static func fromEnvironment(_ environment: Environment, httpClient: HTTPClient, timeout: TimeAmount = .seconds(2)) throws(AWSClientError) -> ContainerCredentialProvider? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            return ContainerCredentialProvider(url: "http://169.254.170.2" + path, environment: environment, httpClient: httpClient, timeout: timeout)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else { return nil }
        guard let components = URLComponents(string: full), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host?.lowercased() else {
            throw .credentials(source: "container", reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI \"\(full)\" is not an http(s) URL")
        }
        guard allowedHosts.contains(host) || host.hasPrefix("127.") else {
            throw .credentials(source: "container", reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI host \(host) is not loopback, 169.254.170.2 or 169.254.170.23")
        }
        return ContainerCredentialProvider(url: full, environment: environment, httpClient: httpClient, timeout: timeout)
    }

    public var name: String { "container credentials (\(url))" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let token = try authorizationToken() {
            request.headers.add(name: "Authorization", value: token)
        }
        // Like botocore: up to 3 attempts of 2 s for a missing or failing answer.
        var answer: (status: Int, body: [UInt8])?
        var lastError = ""
        for _ in 0..<3 {
            do {
                let result = try await httpClient.collect(request, timeout: timeout)
                answer = result
                if result.status < 500 { break }
            } catch {
                lastError = "\(error)"
            }
        }
        guard let (status, bytes) = answer else {
            throw .credentials(source: name, reason: "the endpoint did not answer: \(lastError)")
        }
        guard status == 200 else {
            throw .credentials(source: name, reason: "HTTP \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return try MetadataCredentials.decode(bytes, source: name)
    }

    func authorizationToken() throws(AWSClientError) -> String? {
        var token: String? = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            do {
                token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .credentials(source: name, reason: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file): \(error.localizedDescription)")
            }
        }
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw .credentials(source: name, reason: "the authorization token contains a line break")
        }
        return token
    }
}
