public import AWSCore
import AWSWorkSpaces

/// One entry of the config file's `organizations` list: where to discover
/// member accounts, which of them to keep, and how to collect them.
///
/// ```yaml
/// organizations:
///   - role_name: WorkSpacesReader              # assumed in every member account kept
///     regions: [eu-west-1, us-east-1]
///     role_arn: arn:aws:iam::111111111111:role/organizations-reader  # optional: who lists the accounts
///     external_id: example                     # optional, for the member roles
///     session_name: workspaces-exporter        # optional, for the member roles
///     include_accounts: ["222222222222"]       # optional: only these
///     exclude_accounts: ["333333333333"]       # optional: never these
///     organizational_units: [ou-ab12-cdefgh12] # optional: accounts under these, recursively
///     tags: {workspaces: "true"}               # optional: accounts with every one of these tags
///     refresh_interval: 10m                    # optional, 1s to 24h
///     image_type: OWNED                        # optional, as in targets
///     image_ids: [wsi-0123456789]              # optional, as in targets
/// ```
public struct OrganizationsSource: Sendable, Hashable {
    /// The role name (optionally with a path) assumed in each member account.
    public var roleName: String
    public var regions: [String]
    /// Who lists the accounts: this role, assumed from the exporter's own
    /// credentials; nil for the exporter's own identity.
    public var lister: DefaultCredentialChain.Role?
    public var externalId: String?
    public var sessionName: String?
    public var includeAccounts: [String]
    public var excludeAccounts: [String]
    public var organizationalUnits: [String]
    public var tags: [String: String]
    public var refreshInterval: Duration
    public var query: ImageQuery
    /// Its place in the list, from 0: the `source` label, `organizations/N`.
    public var index: Int
    public var line: Int

    public static let defaultRefreshInterval = Duration.seconds(600)
    static let keys = [
        "role_name", "regions", "role_arn", "external_id", "session_name", "include_accounts", "exclude_accounts",
        "organizational_units", "tags", "refresh_interval", "image_type", "image_ids",
    ]

    /// The `source` label of its discovery metrics.
    public var name: String { "organizations/\(index)" }

    /// The target collecting `account` in `region`, through the member role.
    public func target(account: String, accountName: String?, region: String, collectors: Set<CollectorKind>, pageSize: Int) -> Target {
        var query = self.query
        query.pageSize = pageSize
        return Target(
            role: DefaultCredentialChain.Role(
                arn: AccountID.roleARN(account: account, roleName: roleName, region: region), externalId: externalId, sessionName: sessionName),
            accountId: account, region: region, query: query, collectors: collectors, accountName: accountName)
    }

    /// Whether the filters that need no API call keep `account`.
    public func keeps(_ account: String) -> Bool {
        (includeAccounts.isEmpty || includeAccounts.contains(account)) && !excludeAccounts.contains(account)
    }

    /// Whether `ou-…` or `r-…` looks like an organizational unit or root id.
    static func isParentId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (4...68).contains(bytes.count), text.hasPrefix("ou-") || text.hasPrefix("r-") else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") }
    }
}
