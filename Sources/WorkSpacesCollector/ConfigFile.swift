import AWSWorkSpaces
import Support
import YAML

/// `--config.file`: the accounts and regions to collect.
///
/// ```yaml
/// targets:
///   - regions: [eu-west-1, us-east-1]            # the exporter's own identity
///   - role_arn: arn:aws:iam::111111111111:role/workspaces-reader
///     external_id: example-external-id           # optional
///     session_name: workspaces-exporter          # optional
///     account_id: "111111111111"                 # optional
///     regions: [eu-west-1]
///     image_type: OWNED                          # optional
///     image_ids: [wsi-0123456789]                # optional
/// ```
///
/// Every problem names the file and the line, as `--web.config.file` does.
public struct ConfigFile: Sendable {
    /// One entry of `targets`, before it is split into one target per region.
    public struct Entry: Equatable, Sendable {
        var role: DefaultCredentialChain.Role?
        var accountId: String?
        var regions: [String]
        var imageType: ImageType?
        var imageIds: [String]
        var line: Int
    }

    /// Why the file was refused.
    public struct Failure: Error, CustomStringConvertible {
        let file: String
        let line: Int?
        let problem: String

        public var description: String {
            if let line { return "config file \(file), line \(line): \(problem)" }
            return "config file \(file): \(problem)"
        }
    }

    public let path: String
    public let entries: [Entry]

    static let entryKeys = ["regions", "role_arn", "external_id", "session_name", "account_id", "image_type", "image_ids"]

    /// Reads and checks the file at `path` (at most 1 MiB).
    public static func load(_ path: String) throws(Failure) -> ConfigFile {
        let text: String
        do {
            text = try FileContents.text(path, maxBytes: 1 << 20)
        } catch {
            throw Failure(file: path, line: nil, problem: error.reason)
        }
        return try parse(text, path: path)
    }

    /// Checks `text`, the contents of the file at `path` (named in errors).
    public static func parse(_ text: String, path: String) throws(Failure) -> ConfigFile {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text)
        } catch {
            throw Failure(file: path, line: error.line, problem: "not valid YAML: \(error.problem)")
        }
        func fail(_ node: YAMLNode?, _ problem: String) -> Failure {
            Failure(file: path, line: node?.line, problem: problem)
        }
        guard let root, let mapping = root.mapping else { throw fail(root, "the file must be a mapping with a targets list") }
        var targetsNode: YAMLNode?
        for pair in mapping {
            guard pair.key.scalar == "targets" else {
                throw fail(pair.key, "unknown key \"\((pair.key.scalar ?? "?").bounded(maxBytes: 64))\"; expected targets")
            }
            targetsNode = pair.value
        }
        guard let targetsNode, let items = targetsNode.sequence, !items.isEmpty else {
            throw fail(targetsNode ?? root, "targets must be a non-empty list")
        }
        var entries: [Entry] = []
        for item in items {
            guard let fields = item.mapping else { throw fail(item, "each target must be a mapping") }
            var entry = Entry(role: nil, accountId: nil, regions: [], imageType: nil, imageIds: [], line: item.line)
            var roleArn: String?, externalId: String?, sessionName: String?
            var externalNode: YAMLNode?
            var regionsNode: YAMLNode?
            for pair in fields {
                let key = pair.key.scalar ?? ""
                let value = pair.value
                func string() throws(Failure) -> String {
                    guard let text = value.scalar, !value.isNull, !text.isEmpty else { throw fail(value, "\(key) must be a non-empty string") }
                    return text
                }
                func strings() throws(Failure) -> [String] {
                    guard let list = value.sequence else { throw fail(value, "\(key) must be a list") }
                    var out: [String] = []
                    for element in list {
                        guard let text = element.scalar, !element.isNull, !text.isEmpty else { throw fail(element, "\(key) must hold non-empty strings") }
                        out.append(text)
                    }
                    return out
                }
                switch key {
                case "regions":
                    regionsNode = value
                    entry.regions = try strings()
                    for (region, node) in zip(entry.regions, value.sequence ?? []) where !Self.isRegion(region) {
                        throw fail(node, "\"\(region.bounded(maxBytes: 64))\" is not an AWS region name such as eu-west-1")
                    }
                    if let repeated = Self.firstRepeated(entry.regions) { throw fail(value, "region \(repeated) is listed twice") }
                case "role_arn":
                    let arn = try string()
                    guard AccountID.isRoleARN(arn) else {
                        throw fail(value, "\"\(arn.bounded(maxBytes: 200))\" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
                    }
                    roleArn = arn
                case "external_id":
                    externalId = try string()
                    externalNode = value
                case "session_name":
                    let name = try string()
                    guard (2...64).contains(name.utf8.count), name.utf8.allSatisfy(Self.isSessionNameByte) else {
                        throw fail(value, "session_name must be 2 to 64 characters of letters, digits and =,.@-_")
                    }
                    sessionName = name
                case "account_id":
                    let account = try string()
                    guard AccountID.isValid(account) else { throw fail(value, "account_id must be 12 digits (quote it: \"012345678901\")") }
                    entry.accountId = account
                case "image_type":
                    let text = try string()
                    guard let type = ImageType(rawValue: text) else { throw fail(value, "image_type must be OWNED or SHARED") }
                    entry.imageType = type
                case "image_ids":
                    entry.imageIds = try strings()
                default:
                    throw fail(pair.key, "unknown key \"\(key.bounded(maxBytes: 64))\" in a target; expected \(Self.entryKeys.joined(separator: ", "))")
                }
            }
            guard regionsNode != nil, !entry.regions.isEmpty else {
                throw fail(regionsNode ?? item, "a target needs a non-empty regions list")
            }
            if let roleArn {
                entry.role = DefaultCredentialChain.Role(arn: roleArn, externalId: externalId, sessionName: sessionName)
                if let accountId = entry.accountId, let fromARN = AccountID.fromARN(roleArn), accountId != fromARN {
                    throw fail(item, "account_id \(accountId) differs from the account of role_arn (\(fromARN))")
                }
            } else if externalId != nil || sessionName != nil {
                throw fail(externalNode ?? item, "external_id and session_name need role_arn")
            }
            entries.append(entry)
        }
        // The same account and region twice would export the same series twice.
        var seen: [String: Int] = [:]
        for entry in entries {
            let who = entry.accountId ?? entry.role.flatMap { AccountID.fromARN($0.arn) } ?? "the exporter's own account"
            for region in entry.regions {
                let key = "\(who) in \(region)"
                if let first = seen[key] { throw Failure(file: path, line: entry.line, problem: "\(key) is configured twice (first on line \(first))") }
                seen[key] = entry.line
            }
        }
        return ConfigFile(path: path, entries: entries)
    }

    /// One target per entry and region, with the collectors given.
    public func targets(collectors: Set<CollectorKind>, pageSize: Int) -> [Target] {
        entries.flatMap { entry in
            entry.regions.map { region in
                Target(
                    role: entry.role, accountId: entry.accountId, region: region,
                    query: ImageQuery(imageType: entry.imageType, imageIds: entry.imageIds, pageSize: pageSize), collectors: collectors)
            }
        }
    }

    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }
    }

    static func isSessionNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "=,.@-_".utf8.contains(byte)
        }
    }

    static func firstRepeated(_ values: [String]) -> String? {
        var seen: Set<String> = []
        return values.first { !seen.insert($0).inserted }
    }
}
