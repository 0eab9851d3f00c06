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

    /// The two labels and `extra`, all sorted by name (as client_golang
    /// writes them); `extra` must be sorted already, as every caller passes
    /// it (checked in debug builds). A merge that mostly decides by a name's
    /// first byte: this runs for every sample of a collection.
    func with(_ extra: [Label] = []) -> [Label] {
        assert(zip(extra, extra.dropFirst()).allSatisfy { $0.name <= $1.name }, "extra labels out of order")
        var out: [Label] = []
        out.reserveCapacity(extra.count + 2)
        var accountDone = false, regionDone = false
        for label in extra {
            // On a tie the fixed label comes first.
            if !accountDone, Self.fixed("account_id", UInt8(ascii: "a"), precedesOrEquals: label.name) {
                out.append(Label("account_id", accountId))
                accountDone = true
            }
            if !regionDone, Self.fixed("region", UInt8(ascii: "r"), precedesOrEquals: label.name) {
                if !accountDone {
                    out.append(Label("account_id", accountId))
                    accountDone = true
                }
                out.append(Label("region", region))
                regionDone = true
            }
            out.append(label)
        }
        if !accountDone { out.append(Label("account_id", accountId)) }
        if !regionDone { out.append(Label("region", region)) }
        return out
    }

    @inline(__always)
    private static func fixed(_ fixedName: String, _ firstByte: UInt8, precedesOrEquals name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        if first != firstByte { return firstByte < first }
        return fixedName <= name
    }
}
