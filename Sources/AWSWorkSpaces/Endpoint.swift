import Foundation

/// Where a service's requests go: scheme, host, port and the `Host` header to sign.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let url: String
    public let hostHeader: String
    public let path: String

    /// Parses an absolute `http(s)://host[:port][/path]` URL.
    public init(url text: String) throws(AWSClientError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw .invalidEndpoint("endpoint URL \"\(text)\" is not an absolute http:// or https:// URL")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port = components.port, port != defaultPort {
            hostHeader = "\(bracketed):\(port)"
        } else {
            hostHeader = bracketed
        }
        path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        url = "\(scheme)://\(hostHeader)\(path)"
    }

    /// The endpoint for `service` in `region`, honouring the override order of the
    /// AWS SDKs: an explicit URL, then `AWS_ENDPOINT_URL_<SERVICE>`, then
    /// `AWS_ENDPOINT_URL`, then the partition's default host.
    public static func resolve(
        service: String, region: String, override: String?,
        environment: [String: String]? = nil
    ) throws(AWSClientError) -> Endpoint {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let serviceVariable = "AWS_ENDPOINT_URL_" + service.uppercased().replacingOccurrences(of: " ", with: "_")
        for candidate in [override, environment[serviceVariable], environment["AWS_ENDPOINT_URL"]] {
            if let candidate, !candidate.isEmpty { return try Endpoint(url: candidate) }
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return try Endpoint(url: "https://\(service).\(region).\(suffix)/")
    }

    public var description: String { url }
}
