public import AWSCore
import Support

/// The AWS Organizations operations discovery reads, over the AWS JSON 1.1
/// protocol: `ListAccounts`, `ListAccountsForParent`,
/// `ListOrganizationalUnitsForParent` and `ListTagsForResource`, each
/// followed through every page. Organizations has one endpoint per partition
/// (us-east-1 in `aws`); ``Endpoint/resolve(service:region:override:useFIPS:useDualStack:environment:)``
/// with `service: "organizations"` gives it and its signing region.
public struct OrganizationsClient: Sendable {
    let sender: AWSRequestSender
    /// Most pages one listing may read before it is treated as a `NextToken` loop.
    public let maxPages: Int

    public init(sender: AWSRequestSender, maxPages: Int = 1000) {
        self.sender = sender
        self.maxPages = maxPages
    }

    /// Every account of the organisation (`ListAccounts`), whatever its status.
    public func listAccounts(deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [OrganizationAccount] {
        try await pages("ListAccounts", items: "Accounts", parameters: [], deadline: deadline, item: OrganizationAccount.read)
    }

    /// The accounts directly under a root or organizational unit.
    public func listAccounts(parent: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [OrganizationAccount] {
        try await pages("ListAccountsForParent", items: "Accounts", parameters: [("ParentId", parent)], deadline: deadline, item: OrganizationAccount.read)
    }

    /// The ids of the organizational units directly under a root or unit.
    public func listOrganizationalUnits(parent: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [String] {
        let units = try await pages("ListOrganizationalUnitsForParent", items: "OrganizationalUnits", parameters: [("ParentId", parent)], deadline: deadline, item: Self.readUnitId)
        return units.compactMap { $0 }
    }

    /// The tags of an account, `Key` to `Value`; a key given twice keeps its last value.
    public func listTags(resource: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [String: String] {
        let pairs = try await pages("ListTagsForResource", items: "Tags", parameters: [("ResourceId", resource)], deadline: deadline, item: Self.readTag)
        return Dictionary(pairs.compactMap { $0 }, uniquingKeysWith: { _, last in last })
    }

    /// An organizational unit's `Id`.
    package static func readUnitId(_ reader: inout JSONReader) throws(JSONReader.Failure) -> String? {
        var id: String?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "Id" { id = try reader.optionalString() } else { try reader.skip() }
        }
        return id
    }

    /// A tag's `Key` and `Value` (empty when absent); nil without a key.
    package static func readTag(_ reader: inout JSONReader) throws(JSONReader.Failure) -> (String, String)? {
        var key: String?, value: String?
        try reader.object { reader, member throws(JSONReader.Failure) in
            switch member {
            case "Key": key = try reader.optionalString()
            case "Value": value = try reader.optionalString()
            default: try reader.skip()
            }
        }
        guard let key else { return nil }
        return (key, value ?? "")
    }

    private func pages<Item>(
        _ operation: String, items key: String, parameters: [(String, String)], deadline: ContinuousClock.Instant?,
        item: (inout JSONReader) throws(JSONReader.Failure) -> Item
    ) async throws(AWSClientError) -> [Item] {
        try await JSONPaginator(sender: sender, targetPrefix: "AWSOrganizationsV20161128", maxPages: maxPages)
            .all(operation, items: key, deadline: deadline, item: item) { writer in
                for (name, value) in parameters { writer.member(name, value) }
            }
    }
}
