package import AWSCore
/// One member account from `ListAccounts` or `ListAccountsForParent`: the
/// members discovery uses.
public struct OrganizationAccount: Sendable, Hashable {
    public var id: String
    public var name: String?
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`; the older `Status` member.
    public var status: String?
    /// The newer `State` member (`ACTIVE`, `SUSPENDED`, `CLOSED`, …), when present.
    public var state: String?

    public init(id: String, name: String? = nil, status: String? = nil, state: String? = nil) {
        self.id = id
        self.name = name
        self.status = status
        self.state = state
    }

    /// Whether the account can be collected: `State` decides when AWS sends
    /// it (it replaces `Status`), else `Status`.
    public var isActive: Bool {
        (state ?? status) == "ACTIVE"
    }

    package static func read(_ reader: inout JSONReader) throws(JSONReader.Failure) -> OrganizationAccount {
        var account = OrganizationAccount(id: "")
        try reader.object { reader, key throws(JSONReader.Failure) in
            switch key {
            case "Id": account.id = try reader.optionalString() ?? ""
            case "Name": account.name = try reader.optionalString()
            case "Status": account.status = try reader.optionalString()
            case "State": account.state = try reader.optionalString()
            default: try reader.skip()
            }
        }
        return account
    }
}
