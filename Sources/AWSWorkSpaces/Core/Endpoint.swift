#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
    /// `AWS_ENDPOINT_URL`, then the partition's host, FIPS when asked
    /// (`useFIPS`, or `AWS_USE_FIPS_ENDPOINT=true`).
    public static func resolve(
        service: String, region: String, override: String?, useFIPS: Bool = false,
        environment: Environment = .process
    ) throws(AWSClientError) -> Endpoint {
        let serviceVariable = "AWS_ENDPOINT_URL_" + service.uppercased().replacing(" ", with: "_")
        for candidate in [override, environment[serviceVariable], environment["AWS_ENDPOINT_URL"]] {
            if let candidate, !candidate.isEmpty { return try Endpoint(url: candidate) }
        }
        let fips = useFIPS || environment.flag("AWS_USE_FIPS_ENDPOINT")
        return try Endpoint(url: "https://\(hostname(service: service, region: region, fips: fips))/")
    }

    /// The DNS suffix of the partition a region belongs to.
    static func dnsSuffix(region: String) -> String {
        switch true {
        case region.hasPrefix("cn-"): return "amazonaws.com.cn"
        case region.hasPrefix("us-isob-"): return "sc2s.sgov.gov"
        case region.hasPrefix("us-isof-"): return "csp.hci.ic.gov"
        case region.hasPrefix("us-iso-"): return "c2s.ic.gov"
        case region.hasPrefix("eu-isoe-"): return "cloud.adc-e.uk"
        case region.hasPrefix("eusc-"): return "amazonaws.eu"
        default: return "amazonaws.com" // aws and aws-us-gov
        }
    }

    /// `workspaces.{region}.{suffix}`, or the FIPS variant. STS in GovCloud is
    /// FIPS-validated on its standard host, as botocore's endpoint data says.
    static func hostname(service: String, region: String, fips: Bool) -> String {
        let suffix = dnsSuffix(region: region)
        guard fips else { return "\(service).\(region).\(suffix)" }
        if service == "sts", region.hasPrefix("us-gov-") { return "sts.\(region).\(suffix)" }
        return "\(service)-fips.\(region).\(suffix)"
    }

    public var description: String { url }
}
