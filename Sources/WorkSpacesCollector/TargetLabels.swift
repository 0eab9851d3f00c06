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
    /// (A merge, not a sort, when `extra` is sorted already, as every caller
    /// passes it: this runs for every sample of a collection.)
    func with(_ extra: [Label] = []) -> [Label] {
        let fixed = [Label("account_id", accountId), Label("region", region)]
        guard zip(extra, extra.dropFirst()).allSatisfy({ $0.name <= $1.name }) else {
            return (fixed + extra).sorted { $0.name < $1.name }
        }
        var out: [Label] = []
        out.reserveCapacity(extra.count + 2)
        var next = 0
        for label in extra {
            // On a tie the fixed label comes first, as the stable sort had it.
            while next < fixed.count, fixed[next].name <= label.name {
                out.append(fixed[next])
                next += 1
            }
            out.append(label)
        }
        out.append(contentsOf: fixed[next...])
        return out
    }
}
