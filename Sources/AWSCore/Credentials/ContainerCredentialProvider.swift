#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import HTTPClient
import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Credentials from the ECS task role endpoint or EKS Pod Identity agent:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the token from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read each time) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// A full URI over plain HTTP must point at loopback or the ECS and EKS
/// agents, checked as botocore does: an IP literal, or a name every address
/// of which is one of those. Otherwise the authorization token would go to
/// whatever the name resolves to. A bad URI fails each collection with the
/// reason rather than start-up, like every other credential problem.
public struct ContainerCredentialProvider: CredentialProvider {
    public let url: String
    let environment: Environment
    let httpClient: HTTPClient
    let timeout: Duration

    /// From the environment; nil when neither URI variable is set.
    public static func fromEnvironment(_ environment: Environment, httpClient: HTTPClient, timeout: Duration = .seconds(2)) -> ContainerCredentialProvider? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            return ContainerCredentialProvider(url: "http://169.254.170.2" + path, environment: environment, httpClient: httpClient, timeout: timeout)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else { return nil }
        return ContainerCredentialProvider(url: full, environment: environment, httpClient: httpClient, timeout: timeout)
    }

    public var name: String { "container credentials (\(URLParts.redacted(url)))" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        try await Self.check(url)
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token = try authorizationToken() {
            headers.append(("Authorization", token))
        }
        let request = HTTPClientRequest(method: "GET", url: url, headers: headers, timeout: timeout, maxResponseBytes: 64 << 10)
        // Like botocore: up to 3 attempts of 2 s for a missing or failing answer.
        var answer: HTTPClientResponse?
        var lastError = ""
        for _ in 0..<3 {
            do {
                let response = try await httpClient.execute(request)
                answer = response
                if response.status < 500 { break }
            } catch {
                lastError = "\(error)"
            }
        }
        guard let answer else {
            throw .credentials(source: name, reason: "the endpoint did not answer: \(lastError)")
        }
        guard answer.status == 200 else {
            throw .credentials(source: name, reason: "HTTP \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self).bounded(maxBytes: 200))")
        }
        return try MetadataCredentials.decode(answer.body, source: name).from(CredentialMethod.container)
    }

    func authorizationToken() throws(AWSClientError) -> String? {
        var token: String? = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            do {
                // Byte for byte, as botocore reads it: a trailing newline is refused below.
                token = try FileContents.text(file, maxBytes: 64 * 1024)
            } catch {
                throw .credentials(source: name, reason: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: \(error)")
            }
        }
        if let token, token.containsLineBreakOrNul {
            throw .credentials(source: name, reason: "the authorization token contains a line break")
        }
        return token
    }

    /// The ECS and EKS agents' addresses, allowed over plain HTTP besides loopback.
    static let agentAddresses: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]

    /// Refuses a URI that is not `https`, or `http` to an allowed host.
    static func check(_ url: String) async throws(AWSClientError) {
        let source = "container credentials"
        guard let parts = URLParts(url) else {
            throw .credentials(source: source, reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI \"\(URLParts.redacted(url))\" is not an http(s) URL")
        }
        if parts.secure { return }
        let host = parts.host
        let addresses: [String]
        if let literal = IPAddress(host) {
            addresses = [literal.text]
        } else {
            addresses = await DedicatedThread.run(name: "resolve") { IPAddress.resolve(host) }
        }
        guard !addresses.isEmpty, addresses.allSatisfy({ IPAddress($0).map(\.isAllowedForContainerCredentials) ?? false }) else {
            throw .credentials(
                source: source,
                reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI host \(host.bounded(maxBytes: 100)) is not loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (addresses: \(addresses.isEmpty ? "none" : addresses.joined(separator: ", "))); use https for other hosts")
        }
    }
}

extension IPAddress {
    /// Loopback, or an ECS or EKS agent address.
    var isAllowedForContainerCredentials: Bool {
        isLoopback || ContainerCredentialProvider.agentAddresses.contains(text)
    }

    /// Every address `host` resolves to (blocking: call off the cooperative pool).
    static func resolve(_ host: String) -> [String] {
        guard case let .success(addresses) = AddressLookup.resolve(host: host, port: nil) else { return [] }
        var out: [String] = []
        for text in addresses.compactMap(\.numericHost) where !out.contains(text) { out.append(text) }
        return out
    }
}
