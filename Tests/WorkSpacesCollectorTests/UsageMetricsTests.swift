import AWSCore
import AWSWorkSpaces
import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct UsageMetricsTests {
    static let target = TargetLabels(accountId: "123456789012", region: "eu-west-1")
    static let bundles = [
        WorkspaceBundle(bundleId: "wsb-1", name: "one", owner: "123456789012", imageId: "wsi-a", computeType: "STANDARD", lastUpdatedTime: 1_700_000_000),
        WorkspaceBundle(bundleId: "wsb-2", name: "two", owner: nil, imageId: "wsi-a", computeType: "POWER"),
        WorkspaceBundle(bundleId: "wsb-3", name: "three", owner: "123456789012", imageId: "wsi-b", computeType: "VALUE"),
        WorkspaceBundle(bundleId: "wsb-amazon", name: "public", owner: "AMAZON", imageId: "wsi-amazon", computeType: "STANDARD"),
    ]
    static let workspaces = [
        Workspace(state: "AVAILABLE", bundleId: "wsb-1", runningMode: "AUTO_STOP", computeType: "STANDARD"),
        Workspace(state: "AVAILABLE", bundleId: "wsb-1", runningMode: "AUTO_STOP", computeType: "STANDARD"),
        Workspace(state: "STOPPED", bundleId: "wsb-2", runningMode: "ALWAYS_ON", computeType: "POWER"),
        Workspace(state: "AVAILABLE", bundleId: "wsb-amazon", runningMode: "AUTO_STOP", computeType: "STANDARD"),
    ]

    func value(_ family: MetricFamily, _ labels: [Label]) -> Double? {
        family.samples.first { sample in labels.allSatisfy(sample.labels.contains) }?.value
    }

    @Test func bundlesOfTheAccountOnlyWithTheirImage() throws {
        let families = UsageMetrics.bundleFamilies(Self.bundles, target: Self.target)
        let info = try #require(families.first { $0.name == "aws_workspaces_bundle_info" })
        #expect(info.samples.count == 3, "AWS's public bundle is not the account's")
        #expect(value(info, [Label("bundle_id", "wsb-2"), Label("image_id", "wsi-a"), Label("compute_type", "POWER"), Label("account_id", "123456789012")]) == 1)
        let updated = try #require(families.first { $0.name == "aws_workspaces_bundle_last_updated_timestamp_seconds" })
        #expect(updated.samples.count == 1 && updated.samples[0].value == 1_700_000_000)
    }

    @Test func everyImageGetsItsBundleCountZeroIncluded() {
        let family = UsageMetrics.imageBundles(imageIds: ["wsi-a", "wsi-b", "wsi-unused"], bundles: Self.bundles, target: Self.target)
        #expect(value(family, [Label("image_id", "wsi-a")]) == 2)
        #expect(value(family, [Label("image_id", "wsi-b")]) == 1)
        #expect(value(family, [Label("image_id", "wsi-unused")]) == 0)
        #expect(value(family, [Label("image_id", "wsi-amazon")]) == nil)
    }

    @Test func workspacesAreCountedNeverListed() throws {
        let family = try #require(UsageMetrics.workspaceFamilies(Self.workspaces, target: Self.target).first)
        #expect(family.samples.count == 3)
        #expect(value(family, [Label("bundle_id", "wsb-1"), Label("state", "AVAILABLE"), Label("running_mode", "AUTO_STOP")]) == 2)
        #expect(family.samples.allSatisfy { sample in !sample.labels.contains { $0.name == "workspace_id" || $0.name == "user_name" } })
    }

    @Test func workspacesPerImageThroughTheirBundles() {
        let family = UsageMetrics.imageWorkspaces(imageIds: ["wsi-a", "wsi-b"], bundles: Self.bundles, workspaces: Self.workspaces, target: Self.target)
        #expect(value(family, [Label("image_id", "wsi-a")]) == 3)
        #expect(value(family, [Label("image_id", "wsi-b")]) == 0)
    }
}
