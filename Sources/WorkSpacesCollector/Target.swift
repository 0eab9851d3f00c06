public import AWSCore
import AWSWorkSpaces

/// One account and region to collect: the exporter's own identity, or a role
/// assumed from it, with the images to describe and the collectors to run.
/// Two targets that differ only in the account's name are the same target.
public struct Target: Sendable, Hashable {
    /// The role to assume; nil for the exporter's own identity.
    public var role: DefaultCredentialChain.Role?
    /// The account, when configured; else taken from the role ARN or learned
    /// from STS `GetCallerIdentity`.
    public var accountId: String?
    public var region: String
    public var query: ImageQuery
    public var collectors: Set<CollectorKind>
    /// The account's name, from Organizations discovery: the
    /// `aws_workspaces_account_info` series and `/sd`'s label. Untrusted
    /// (the account's owner chooses it), so bounded as a label value.
    public var accountName: String?

    public init(
        role: DefaultCredentialChain.Role? = nil, accountId: String? = nil, region: String, query: ImageQuery = ImageQuery(),
        collectors: Set<CollectorKind> = [.images, .bundles], accountName: String? = nil
    ) {
        self.accountName = accountName
        self.role = role
        self.accountId = accountId
        self.region = region
        self.query = query
        self.collectors = collectors.union([.images])
    }

    public static func == (lhs: Target, rhs: Target) -> Bool {
        lhs.role == rhs.role && lhs.accountId == rhs.accountId && lhs.region == rhs.region && lhs.query == rhs.query && lhs.collectors == rhs.collectors
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(role)
        hasher.combine(accountId)
        hasher.combine(region)
        hasher.combine(query)
        hasher.combine(collectors)
    }

    /// The account known without asking STS.
    public var knownAccount: String? {
        accountId ?? role.flatMap { AccountID.fromARN($0.arn) }
    }

    /// Who to be: targets with the same identity share credentials and the account lookup.
    var identityKey: IdentityKey {
        IdentityKey(role: role, accountId: accountId)
    }
}

/// What makes two targets the same identity.
struct IdentityKey: Hashable, Sendable {
    let role: DefaultCredentialChain.Role?
    let accountId: String?
}
