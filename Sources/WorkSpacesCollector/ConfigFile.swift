import AWSCore
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
/// organizations:                                 # accounts found while running
///   - role_name: WorkSpacesReader                # see OrganizationsSource
///     regions: [eu-west-1]
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
    /// The `organizations` list: accounts discovered while running.
    public let organizations: [OrganizationsSource]

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
        let fields = Fields(path: path)
        guard let root, let mapping = root.mapping else { throw fields.fail(root, "the file must be a mapping with a targets or organizations list") }
        var targetsNode: YAMLNode?, organizationsNode: YAMLNode?
        for pair in mapping {
            switch pair.key.scalar {
            case "targets": targetsNode = pair.value
            case "organizations": organizationsNode = pair.value
            default:
                throw fields.fail(pair.key, "unknown key \"\((pair.key.scalar ?? "?").bounded(maxBytes: 64))\"; expected targets or organizations")
            }
        }
        if targetsNode == nil, organizationsNode == nil { throw fields.fail(root, "the file needs a targets or an organizations list") }
        var entries: [Entry] = []
        if let targetsNode {
            guard let items = targetsNode.sequence, !items.isEmpty else { throw fields.fail(targetsNode, "targets must be a non-empty list") }
            for item in items { entries.append(try target(item, fields)) }
        }
        var organizations: [OrganizationsSource] = []
        if let organizationsNode {
            guard let items = organizationsNode.sequence, !items.isEmpty else {
                throw fields.fail(organizationsNode, "organizations must be a non-empty list")
            }
            for item in items { organizations.append(try organization(item, index: organizations.count, fields)) }
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
        return ConfigFile(path: path, entries: entries, organizations: organizations)
    }

    /// Reads the values of one mapping's fields, each problem at its line.
    struct Fields {
        let path: String

        func fail(_ node: YAMLNode?, _ problem: String) -> Failure {
            Failure(file: path, line: node?.line, problem: problem)
        }

        func string(_ key: String, _ value: YAMLNode) throws(Failure) -> String {
            guard let text = value.scalar, !value.isNull, !text.isEmpty else { throw fail(value, "\(key) must be a non-empty string") }
            return text
        }

        func strings(_ key: String, _ value: YAMLNode) throws(Failure) -> [String] {
            guard let list = value.sequence else { throw fail(value, "\(key) must be a list") }
            var out: [String] = []
            for element in list {
                guard let text = element.scalar, !element.isNull, !text.isEmpty else { throw fail(element, "\(key) must hold non-empty strings") }
                out.append(text)
            }
            return out
        }

        func regions(_ key: String, _ value: YAMLNode) throws(Failure) -> [String] {
            let regions = try strings(key, value)
            for (region, node) in zip(regions, value.sequence ?? []) where !ConfigFile.isRegion(region) {
                throw fail(node, "\"\(region.bounded(maxBytes: 64))\" is not an AWS region name such as eu-west-1")
            }
            if let repeated = ConfigFile.firstRepeated(regions) { throw fail(value, "region \(repeated) is listed twice") }
            return regions
        }

        func roleARN(_ key: String, _ value: YAMLNode) throws(Failure) -> String {
            let arn = try string(key, value)
            guard AccountID.isRoleARN(arn) else {
                throw fail(value, "\"\(arn.bounded(maxBytes: 200))\" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
            }
            return arn
        }

        func sessionName(_ key: String, _ value: YAMLNode) throws(Failure) -> String {
            let name = try string(key, value)
            guard (2...64).contains(name.utf8.count), name.utf8.allSatisfy(ConfigFile.isSessionNameByte) else {
                throw fail(value, "session_name must be 2 to 64 characters of letters, digits and =,.@-_")
            }
            return name
        }

        func accounts(_ key: String, _ value: YAMLNode) throws(Failure) -> [String] {
            let accounts = try strings(key, value)
            for (account, node) in zip(accounts, value.sequence ?? []) where !AccountID.isValid(account) {
                throw fail(node, "\(key) must hold 12-digit account ids (quote them: \"012345678901\"), not \"\(account.bounded(maxBytes: 64))\"")
            }
            return accounts
        }

        func imageType(_ key: String, _ value: YAMLNode) throws(Failure) -> ImageType {
            let text = try string(key, value)
            guard let type = ImageType(rawValue: text) else { throw fail(value, "image_type must be OWNED or SHARED") }
            return type
        }
    }

    private static func target(_ item: YAMLNode, _ fields: Fields) throws(Failure) -> Entry {
        guard let mapping = item.mapping else { throw fields.fail(item, "each target must be a mapping") }
        var entry = Entry(role: nil, accountId: nil, regions: [], imageType: nil, imageIds: [], line: item.line)
        var roleArn: String?, externalId: String?, sessionName: String?
        var externalNode: YAMLNode?
        var regionsNode: YAMLNode?
        for pair in mapping {
            let key = pair.key.scalar ?? ""
            let value = pair.value
            switch key {
            case "regions":
                regionsNode = value
                entry.regions = try fields.regions(key, value)
            case "role_arn": roleArn = try fields.roleARN(key, value)
            case "external_id":
                externalId = try fields.string(key, value)
                externalNode = value
            case "session_name": sessionName = try fields.sessionName(key, value)
            case "account_id":
                let account = try fields.string(key, value)
                guard AccountID.isValid(account) else { throw fields.fail(value, "account_id must be 12 digits (quote it: \"012345678901\")") }
                entry.accountId = account
            case "image_type": entry.imageType = try fields.imageType(key, value)
            case "image_ids": entry.imageIds = try fields.strings(key, value)
            default:
                throw fields.fail(pair.key, "unknown key \"\(key.bounded(maxBytes: 64))\" in a target; expected \(Self.entryKeys.joined(separator: ", "))")
            }
        }
        guard regionsNode != nil, !entry.regions.isEmpty else {
            throw fields.fail(regionsNode ?? item, "a target needs a non-empty regions list")
        }
        if let roleArn {
            entry.role = DefaultCredentialChain.Role(arn: roleArn, externalId: externalId, sessionName: sessionName)
            if let accountId = entry.accountId, let fromARN = AccountID.fromARN(roleArn), accountId != fromARN {
                throw fields.fail(item, "account_id \(accountId) differs from the account of role_arn (\(fromARN))")
            }
        } else if externalId != nil || sessionName != nil {
            throw fields.fail(externalNode ?? item, "external_id and session_name need role_arn")
        }
        return entry
    }

    private static func organization(_ item: YAMLNode, index: Int, _ fields: Fields) throws(Failure) -> OrganizationsSource {
        guard let mapping = item.mapping else { throw fields.fail(item, "each organizations entry must be a mapping") }
        var roleName: String?, regions: [String] = [], lister: String?
        var source = OrganizationsSource(
            roleName: "", regions: [], lister: nil, externalId: nil, sessionName: nil, includeAccounts: [], excludeAccounts: [],
            organizationalUnits: [], tags: [:], refreshInterval: OrganizationsSource.defaultRefreshInterval, query: ImageQuery(),
            index: index, line: item.line)
        var imageType: ImageType?, imageIds: [String] = []
        for pair in mapping {
            let key = pair.key.scalar ?? ""
            let value = pair.value
            switch key {
            case "role_name":
                let name = try fields.string(key, value)
                guard AccountID.isRoleName(name) else {
                    throw fields.fail(value, "role_name must be an IAM role name (letters, digits and +=,.@_-, optionally after a path/), not \"\(name.bounded(maxBytes: 64))\"")
                }
                roleName = name
            case "regions": regions = try fields.regions(key, value)
            case "role_arn": lister = try fields.roleARN(key, value)
            case "external_id": source.externalId = try fields.string(key, value)
            case "session_name": source.sessionName = try fields.sessionName(key, value)
            case "include_accounts": source.includeAccounts = try fields.accounts(key, value)
            case "exclude_accounts": source.excludeAccounts = try fields.accounts(key, value)
            case "organizational_units":
                source.organizationalUnits = try fields.strings(key, value)
                for (unit, node) in zip(source.organizationalUnits, value.sequence ?? []) where !OrganizationsSource.isParentId(unit) {
                    throw fields.fail(node, "organizational_units must hold unit ids (ou-…) or root ids (r-…), not \"\(unit.bounded(maxBytes: 64))\"")
                }
            case "tags":
                guard let pairs = value.mapping, !pairs.isEmpty else { throw fields.fail(value, "tags must be a non-empty mapping of tag keys to values") }
                for tag in pairs {
                    guard let name = tag.key.scalar, !name.isEmpty, name.utf8.count <= 128 else { throw fields.fail(tag.key, "a tag key must be 1 to 128 bytes") }
                    guard let text = tag.value.scalar, !tag.value.isNull, text.utf8.count <= 256 else {
                        throw fields.fail(tag.value, "the value of tag \(name.bounded(maxBytes: 64)) must be a string of at most 256 bytes")
                    }
                    source.tags[name] = text
                }
            case "refresh_interval":
                let text = try fields.string(key, value)
                guard let interval = PrometheusDuration.parse(text), interval >= .seconds(1), interval <= .seconds(86_400) else {
                    throw fields.fail(value, "refresh_interval must be a duration from 1s to 24h (e.g. 10m), not \"\(text.bounded(maxBytes: 32))\"")
                }
                source.refreshInterval = interval
            case "image_type": imageType = try fields.imageType(key, value)
            case "image_ids": imageIds = try fields.strings(key, value)
            default:
                throw fields.fail(pair.key, "unknown key \"\(key.bounded(maxBytes: 64))\" in an organizations entry; expected \(OrganizationsSource.keys.joined(separator: ", "))")
            }
        }
        guard let roleName else { throw fields.fail(item, "an organizations entry needs role_name, the role to assume in each member account") }
        guard !regions.isEmpty else { throw fields.fail(item, "an organizations entry needs a non-empty regions list") }
        if let overlap = source.includeAccounts.first(where: source.excludeAccounts.contains) {
            throw fields.fail(item, "account \(overlap) is both included and excluded")
        }
        source.roleName = roleName
        source.regions = regions
        source.lister = lister.map { DefaultCredentialChain.Role(arn: $0, externalId: nil, sessionName: nil) }
        source.query = ImageQuery(imageType: imageType, imageIds: imageIds)
        return source
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
