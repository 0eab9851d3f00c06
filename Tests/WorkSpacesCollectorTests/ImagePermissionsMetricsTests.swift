import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct ImagePermissionsMetricsTests {
    static let target = TargetLabels(accountId: "123456789012", region: "eu-west-1")

    /// Two raw ids that bound to the same label value (a space, or too long)
    /// make one series, not two with the same labels: the first in raw order.
    @Test func idsThatBoundToTheSameLabelValueMakeOneSeries() throws {
        let long = "wsi-" + String(repeating: "x", count: 200)
        let permissions = ["wsi-a b": ["111111111111"], "wsi-c d": ["111111111111", "222222222222"], long: [], "wsi-ok": ["111111111111"]]
        let families = ImagePermissionsMetrics.families(permissions, organization: ["111111111111"], target: Self.target)
        for family in families {
            let keys = family.samples.map { $0.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",") }
            #expect(Set(keys).count == keys.count, "\(family.name) repeats a series: \(keys)")
            #expect(family.samples.count == 2, "\(family.name): other and wsi-ok")
        }
        let shared = try #require(families.first { $0.name == "aws_workspaces_image_shared_accounts" })
        let other = try #require(shared.samples.first { $0.labels.contains(Label("image_id", "other")) })
        #expect(other.value == 1, "the first raw id (\"wsi-a b\") wins")
    }

    /// The API's repeated account ids count once.
    @Test func repeatedAccountsCountOnce() throws {
        let families = ImagePermissionsMetrics.families(["wsi-1": ["1", "1", "2"]], organization: nil, target: Self.target)
        #expect(families.count == 1, "no organisation: no outside-the-organisation family")
        #expect(families.first?.samples.first?.value == 2)
    }
}
