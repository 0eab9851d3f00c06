import AWSCore
import AWSWorkSpaces
import Exposition

/// The labels every series of a target carries: `account_id` and `region`.
public struct TargetLabels: Sendable, Hashable {
    public let accountId: String
    public let region: String

    public init(accountId: String, region: String) {
        self.accountId = accountId
        self.region = region
    }

    /// `ACCOUNT_ID/REGION`, as `/probe?target=` and `/sd` write a target:
    /// twelve digits, a slash, a region name; nil for anything else.
    public init?(target text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, AccountID.isValid(parts[0]), Endpoint.isValidRegion(parts[1]) else { return nil }
        self.init(accountId: parts[0], region: parts[1])
    }

    /// The target as `/probe` and `/sd` name it: `ACCOUNT_ID/REGION`.
    public var target: String { "\(accountId)/\(region)" }

    /// The two labels followed by `extra`, all sorted by name (as client_golang writes them).
    func with(_ extra: [Label] = []) -> [Label] {
        ([Label("account_id", accountId), Label("region", region)] + extra).sorted { $0.name < $1.name }
    }
}
