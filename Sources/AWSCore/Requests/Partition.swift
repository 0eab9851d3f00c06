/// An AWS partition as botocore's `partitions.json` describes it: which
/// regions belong to it (a pattern, or the partition's pseudo-region such as
/// `aws-global`), its DNS suffixes and, for Organizations, the region of its
/// one endpoint. A region no pattern matches belongs to `aws`, as in botocore.
struct Partition: Sendable {
    let name: String
    /// The first labels a region of this partition starts with (`us-gov`, or
    /// any of `us`, `eu`, … for `aws`); the rest must be `\w+-\d+`.
    let prefixes: [String]
    let pseudoRegion: String?
    let dnsSuffix: String
    let dualStackSuffix: String
    /// Where Organizations lives in this partition; nil: in the region itself.
    let organizationsRegion: String?

    static let all: [Partition] = [
        Partition(name: "aws", prefixes: ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"], pseudoRegion: "aws-global",
                  dnsSuffix: "amazonaws.com", dualStackSuffix: "api.aws", organizationsRegion: "us-east-1"),
        Partition(name: "aws-cn", prefixes: ["cn"], pseudoRegion: "aws-cn-global",
                  dnsSuffix: "amazonaws.com.cn", dualStackSuffix: "api.amazonwebservices.com.cn", organizationsRegion: "cn-northwest-1"),
        Partition(name: "aws-eusc", prefixes: ["eusc-de"], pseudoRegion: nil,
                  dnsSuffix: "amazonaws.eu", dualStackSuffix: "api.amazonwebservices.eu", organizationsRegion: nil),
        Partition(name: "aws-iso", prefixes: ["us-iso"], pseudoRegion: "aws-iso-global",
                  dnsSuffix: "c2s.ic.gov", dualStackSuffix: "api.aws.ic.gov", organizationsRegion: "us-iso-east-1"),
        Partition(name: "aws-iso-b", prefixes: ["us-isob"], pseudoRegion: "aws-iso-b-global",
                  dnsSuffix: "sc2s.sgov.gov", dualStackSuffix: "api.aws.scloud", organizationsRegion: "us-isob-east-1"),
        Partition(name: "aws-iso-e", prefixes: ["eu-isoe"], pseudoRegion: "aws-iso-e-global",
                  dnsSuffix: "cloud.adc-e.uk", dualStackSuffix: "api.cloud-aws.adc-e.uk", organizationsRegion: "eu-isoe-west-1"),
        Partition(name: "aws-iso-f", prefixes: ["us-isof"], pseudoRegion: "aws-iso-f-global",
                  dnsSuffix: "csp.hci.ic.gov", dualStackSuffix: "api.aws.hci.ic.gov", organizationsRegion: "us-isof-south-1"),
        Partition(name: "aws-us-gov", prefixes: ["us-gov"], pseudoRegion: "aws-us-gov-global",
                  dnsSuffix: "amazonaws.com", dualStackSuffix: "api.aws", organizationsRegion: "us-gov-west-1"),
    ]

    /// The partition of `region`: by pseudo-region name, then by pattern, else `aws`.
    static func of(_ region: String) -> Partition {
        if let named = all.first(where: { $0.pseudoRegion == region }) { return named }
        return all.first { $0.matches(region) } ?? all[0]
    }

    /// `^(prefix)-\w+-\d+$`, as the partition's regex.
    func matches(_ region: String) -> Bool {
        prefixes.contains { prefix in
            guard region.hasPrefix(prefix + "-") else { return false }
            let rest = region.utf8.dropFirst(prefix.utf8.count + 1)
            guard let dash = rest.firstIndex(of: UInt8(ascii: "-")) else { return false }
            let word = rest[..<dash], number = rest[rest.index(after: dash)...]
            return !word.isEmpty && word.allSatisfy { $0 == UInt8(ascii: "_") || ($0 < 0x80 && ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A || $0 >= 0x30 && $0 <= 0x39)) }
                && !number.isEmpty && number.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
    }
}
