import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// The bundles and workspaces collectors on the real binary: every family
/// against the emulator's truth, their cost in API calls, and a refused
/// action failing only its own collector.
@Suite(.timeLimit(.minutes(2)))
struct UsageTests {
    static let images = 60
    static let workspaces = 80

    @Test func bundlesAndWorkSpacesMatchTheSeedAndCostWhatTheyShould() async throws {
        let emulator = try await Emulator.start(images: Self.images, extra: ["--workspaces", String(Self.workspaces)])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--collector.workspaces"], environment: emulator.environment)
        defer { exporter.stop() }
        let before = try await emulator.stats()
        let (_, metrics) = try await exporter.scrape()
        let after = try await emulator.stats()

        let seed = SeedImages.images(count: Self.images)
        let bundles = SeedBundles.bundles(for: seed, account: SeedImages.ownerAccountId, region: "us-east-1")
        let workspaces = SeedBundles.workspaces(count: Self.workspaces, bundles: bundles, account: SeedImages.ownerAccountId, region: "us-east-1")
        // Cost: ceil(bundles / 25) and ceil(WorkSpaces / 25) calls, besides the images' own.
        #expect(after.count("DescribeWorkspaceBundles") - before.count("DescribeWorkspaceBundles") == (bundles.count + 24) / 25)
        #expect(after.count("DescribeWorkspaces") - before.count("DescribeWorkspaces") == (Self.workspaces + 24) / 25)
        #expect(after.requests - before.requests == (Self.images + 24) / 25)

        // Own bundles only: AWS's public ones are not the account's.
        let info = metrics.series("aws_workspaces_bundle_info")
        #expect(Set(info.keys.compactMap { $0.labels["bundle_id"] }) == Set(bundles.map(\.bundleId)))
        #expect(!info.keys.contains { $0.labels["bundle_id"]?.hasPrefix("wsb-amazon") == true })
        for bundle in bundles {
            #expect(metrics.value("aws_workspaces_bundle_info", ["bundle_id": bundle.bundleId, "image_id": bundle.imageId, "compute_type": bundle.computeType, "name": bundle.name]) == 1)
            #expect(metrics.value("aws_workspaces_bundle_last_updated_timestamp_seconds", ["bundle_id": bundle.bundleId]) == bundle.lastUpdated)
        }
        // Every image has its bundle and WorkSpaces counts, 0 included.
        for image in seed.compactMap(\.imageId) {
            let ownBundles = bundles.filter { $0.imageId == image }
            #expect(metrics.value("aws_workspaces_image_bundles", ["image_id": image]) == Double(ownBundles.count), "\(image)")
            let onIt = workspaces.filter { workspace in ownBundles.contains { $0.bundleId == workspace.bundleId } }.count
            #expect(metrics.value("aws_workspaces_image_workspaces", ["image_id": image]) == Double(onIt), "\(image)")
        }
        #expect(metrics.series("aws_workspaces_image_bundles").values.contains(0), "some images are unused")
        // WorkSpaces counted, never listed.
        var expected: [[String: String]: Double] = [:]
        for workspace in workspaces {
            expected[["region": "us-east-1", "bundle_id": workspace.bundleId, "state": workspace.state, "running_mode": workspace.runningMode, "compute_type": workspace.computeType], default: 0] += 1
        }
        #expect(metrics.series("aws_workspaces_workspaces", dropping: "account_id") == expected)
        #expect(!metrics.values.keys.contains { $0.labels["workspace_id"] != nil || $0.labels["user_name"] != nil })
        for collector in ["images", "bundles", "workspaces"] {
            #expect(metrics.value("aws_workspaces_collector_success", ["collector": collector]) == 1)
            #expect((metrics.value("aws_workspaces_collector_duration_seconds", ["collector": collector]) ?? -1) >= 0)
        }
    }

    @Test(arguments: [("DescribeWorkspaceBundles", "bundles"), ("DescribeWorkspaces", "workspaces")])
    func aRefusedActionFailsOnlyItsCollector(operation: String, collector: String) async throws {
        let emulator = try await Emulator.start(images: 20, extra: ["--fault", "access-denied", "--fault-operation", operation])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--collector.workspaces"], environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up") == 1, "the images collector is untouched")
        #expect(metrics.series("aws_workspaces_image_info").count == 20)
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": collector]) == 0)
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": "images"]) == 1)
        // Its families and the joins that need it are absent, never partial.
        if collector == "bundles" {
            #expect(metrics.series("aws_workspaces_bundle_info").isEmpty && metrics.series("aws_workspaces_image_bundles").isEmpty)
            #expect(metrics.series("aws_workspaces_image_workspaces").isEmpty)
        } else {
            #expect(metrics.series("aws_workspaces_workspaces").isEmpty && metrics.series("aws_workspaces_image_workspaces").isEmpty)
            #expect(!metrics.series("aws_workspaces_image_bundles").isEmpty)
        }
        let lines = exporter.log.split(separator: "\n").filter { $0.contains("level=error") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("\(operation) failed") == true && lines.first?.contains("workspaces:\(operation)") == true, "the line names the missing action")
    }

    @Test func theWorkSpacesCollectorIsOffByDefault() async throws {
        let emulator = try await Emulator.start(images: 5)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1"], environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(try await emulator.stats().count("DescribeWorkspaces") == 0)
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": "workspaces"]) == nil)
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": "bundles"]) == 1)
    }
}
