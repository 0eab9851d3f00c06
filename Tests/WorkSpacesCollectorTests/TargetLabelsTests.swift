import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct TargetLabelsTests {
    let target = TargetLabels(accountId: "123456789012", region: "eu-west-1")

    /// What `with` must equal: the two labels and the extra ones sorted by
    /// name, the fixed label first on a tie (a stable sort).
    func reference(_ extra: [Label]) -> [Label] {
        let all = [Label("account_id", target.accountId), Label("region", target.region)] + extra
        return all.enumerated().sorted { $0.element.name != $1.element.name ? $0.element.name < $1.element.name : $0.offset < $1.offset }.map(\.element)
    }

    @Test func mergesTheTwoLabelsIntoAnySortedList() {
        // Names around both fixed ones: sharing their first byte, before, after, equal, empty, not ASCII.
        let pool = ["", "a", "account", "account_id", "account_idz", "accountz", "b", "image_id", "owner_account_id", "q", "r",
                    "re", "region", "regionx", "rz", "required_tenancy", "s", "state", "z", "é"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...5, using: &generator)
            let names = (0..<count).map { _ in pool.randomElement(using: &generator) ?? "" }.sorted()
            let extra = names.enumerated().map { Label($1, "v\($0)") }
            #expect(target.with(extra) == reference(extra), "extra \(names)")
        }
        #expect(target.with() == [Label("account_id", "123456789012"), Label("region", "eu-west-1")])
    }
}
