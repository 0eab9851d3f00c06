import Exposition

/// The labels every series of a target carries: `account_id` and `region`.
public struct TargetLabels: Sendable, Hashable {
    public let accountId: String
    public let region: String

    public init(accountId: String, region: String) {
        self.accountId = accountId
        self.region = region
    }

    /// The two labels followed by `extra`, all sorted by name (as client_golang writes them).
    func with(_ extra: [Label] = []) -> [Label] {
        ([Label("account_id", accountId), Label("region", region)] + extra).sorted { $0.name < $1.name }
    }
}
