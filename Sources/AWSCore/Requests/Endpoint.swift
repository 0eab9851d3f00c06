#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// Where a service's requests go: scheme, host, port and the `Host` header to sign.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public let url: String
    /// ``url`` taken apart.
    let parts: URLParts
    public let hostHeader: String
    public let path: String
    /// The region to sign with when it is not the client's (global endpoints
    /// such as STS's `aws-global` and Organizations); nil otherwise.
    public var signingRegion: String?

    /// Parses an absolute `http(s)://host[:port][/path]` URL.
    public init(url text: String) throws(AWSClientError) {
        guard let parts = URLParts(text) else {
            throw .invalidEndpoint("endpoint URL \"\(URLParts.redacted(text))\" is not an absolute http:// or https:// URL without user:password@")
        }
        hostHeader = parts.hostHeader
        path = parts.path
        url = "\(parts.scheme)://\(hostHeader)\(path)"
        // The URL requests go to, without the query; parsed once, not per request.
        guard let normalized = URLParts(url) else {
            throw .invalidEndpoint("endpoint URL \"\(URLParts.redacted(text))\" is not an absolute http:// or https:// URL without user:password@")
        }
        self.parts = normalized
    }

    /// The endpoint for `service` in `region`, honouring the override order of the
    /// AWS SDKs: an explicit URL, then `AWS_ENDPOINT_URL_<SERVICE>`, then
    /// `AWS_ENDPOINT_URL`, then the partition's host as botocore's endpoint
    /// rules build it, FIPS when asked (`useFIPS`, or `AWS_USE_FIPS_ENDPOINT=true`),
    /// dual-stack (IPv6) when asked (`useDualStack`, or `AWS_USE_DUALSTACK_ENDPOINT=true`).
    /// `Tests/Fixtures/endpoint_oracle.py` compares every region botocore knows
    /// with botocore's answer, for WorkSpaces, STS and Organizations.
    public static func resolve(
        service: String, region: String, override: String?, useFIPS: Bool = false, useDualStack: Bool = false,
        environment: Environment = .process
    ) throws(AWSClientError) -> Endpoint {
        let serviceVariable = "AWS_ENDPOINT_URL_" + service.uppercased().replacing(" ", with: "_")
        for candidate in [override, environment[serviceVariable], environment["AWS_ENDPOINT_URL"]] {
            if let candidate, !candidate.isEmpty { return try Endpoint(url: candidate) }
        }
        // A region becomes part of a host name: as botocore, only a DNS label.
        guard isValidRegion(region) else {
            throw .invalidEndpoint("region \"\(region.bounded(maxBytes: 64))\" is not a valid region name (letters, digits and hyphens)")
        }
        let fips = useFIPS || environment.flag("AWS_USE_FIPS_ENDPOINT")
        let dualStack = useDualStack || environment.flag("AWS_USE_DUALSTACK_ENDPOINT")
        let (host, signingRegion) = try modeled(service: service, region: region, fips: fips, dualStack: dualStack)
        var endpoint = try Endpoint(url: "https://\(host)/")
        endpoint.signingRegion = signingRegion == region ? nil : signingRegion
        return endpoint
    }

    /// botocore's check of a region name: `^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`.
    public static func isValidRegion(_ region: String) -> Bool {
        let bytes = Array(region.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        guard (1...63).contains(bytes.count), let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// The host and signing region botocore's rules give `service` in
    /// `region`; an error where botocore has no endpoint (dual-stack in the
    /// ISO-E and ISO-F partitions).
    static func modeled(service: String, region: String, fips: Bool, dualStack: Bool) throws(AWSClientError) -> (host: String, signingRegion: String) {
        let partition = Partition.of(region)
        if dualStack, partition.name == "aws-iso-e" || partition.name == "aws-iso-f", region != partition.pseudoRegion || service == "organizations" {
            throw .invalidEndpoint("\(partition.name) has no dual-stack endpoint for \(service) in \(region.bounded(maxBytes: 64))")
        }
        let suffix = dualStack ? partition.dualStackSuffix : partition.dnsSuffix
        var host = "\(service)\(fips ? "-fips" : "").\(region).\(suffix)"
        var signingRegion = region
        switch service {
        case "sts":
            if region == "aws-global" {
                signingRegion = "us-east-1"
                if !fips, !dualStack { host = "sts.amazonaws.com" }
            } else if partition.name == "aws-us-gov", fips, !dualStack {
                // STS in GovCloud is FIPS-validated on its standard host.
                host = "sts.\(region).amazonaws.com"
            }
        case "iam":
            // Global: one host per partition, as botocore's rules give them.
            switch (partition.name, fips, dualStack) {
            case ("aws", _, false): host = fips ? "iam-fips.amazonaws.com" : "iam.amazonaws.com"; signingRegion = "us-east-1"
            case ("aws", _, true): host = fips ? "iam-fips.global.api.aws" : "iam.global.api.aws"; signingRegion = "us-east-1"
            case ("aws-cn", false, false): host = "iam.cn-north-1.amazonaws.com.cn"; signingRegion = "cn-north-1"
            case ("aws-cn", false, true): host = "iam.global.api.amazonwebservices.com.cn"; signingRegion = "cn-north-1"
            case ("aws-cn", true, false): host = "iam-fips.amazonaws.com.cn"; signingRegion = "cn-northwest-1"
            case ("aws-cn", true, true): host = "iam-fips.api.amazonwebservices.com.cn"; signingRegion = "cn-northwest-1"
            case ("aws-us-gov", _, _): host = dualStack ? "iam.us-gov.api.aws" : "iam.us-gov.amazonaws.com"; signingRegion = "us-gov-west-1"
            default:
                throw .invalidEndpoint("no IAM endpoint is modelled for \(partition.name); set AWS_ENDPOINT_URL_IAM")
            }
        case "organizations":
            // A global service: one endpoint per partition, signed in its home region.
            signingRegion = partition.organizationsRegion ?? region
            if dualStack, partition.name == "aws-iso" || partition.name == "aws-iso-b" {
                signingRegion = "us-east-1" // as botocore signs these
            }
            if !dualStack, let home = partition.organizationsRegion {
                switch partition.name {
                case "aws": host = "organizations\(fips ? "-fips" : "").\(home).\(suffix)"
                case "aws-us-gov": host = "organizations.\(home).\(suffix)"
                case "aws-cn", "aws-iso", "aws-iso-b", "aws-iso-f": if !fips { host = "organizations.\(home).\(suffix)" }
                default: break
                }
            }
        default:
            break
        }
        return (host, signingRegion)
    }

    public var description: String { url }
}
