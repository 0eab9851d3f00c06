import AWSCore
import AWSWorkSpaces
import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct ImageMetricsTests {
    static let now = 1_764_374_400.0 // 2025-11-29T00:00:00Z

    static let images: [WorkspaceImage] = [
        WorkspaceImage(
            imageId: "wsi-aaa", name: #"golden\win "22""#, operatingSystem: .init(type: "WINDOWS"), state: "AVAILABLE",
            requiredTenancy: "DEDICATED", created: 1_732_811_234.567, ownerAccountId: "123456789012",
            updates: .init(updateAvailable: true)),
        WorkspaceImage(
            imageId: "wsi-bbb", name: "multi\nline", operatingSystem: .init(type: "LINUX"), state: "ERROR",
            requiredTenancy: "DEFAULT", errorCode: "ImageCreationFailed", created: 1_700_000_000.25,
            ownerAccountId: "123456789012", updates: .init(updateAvailable: false),
            errorDetails: [.init(errorCode: "DiskFreeSpace"), .init(errorCode: "DiskFreeSpace"), .init(errorCode: "PendingReboot")]),
        WorkspaceImage(imageId: "wsi-ccc"),
        WorkspaceImage(
            imageId: "wsi-ddd", name: "future", operatingSystem: .init(type: "UBUNTU_PRO"), state: "UPDATING",
            requiredTenancy: "DEFAULT", errorCode: "", created: 1_764_374_400 + 60, ownerAccountId: "210987654321",
            errorDetails: [.init(errorCode: "QuantumDriveDetected"), .init(errorCode: "")]),
        WorkspaceImage(
            imageId: "wsi-eee", name: "pending", operatingSystem: .init(type: nil), state: "PENDING",
            requiredTenancy: "DEDICATED", errorCode: "PendingReboot", created: 1_764_300_000, ownerAccountId: "123456789012",
            updates: .init(updateAvailable: true), errorDetails: [.init(errorCode: "PendingReboot")]),
    ]

    static func target(_ region: String = "us-east-1") -> TargetLabels {
        TargetLabels(accountId: "123456789012", region: region)
    }

    func families(_ images: [WorkspaceImage], region: String = "us-east-1") -> [MetricFamily] {
        ImageMetrics.families(for: images, target: Self.target(region), now: Self.now).families
    }

    func render(_ images: [WorkspaceImage], region: String = "us-east-1") -> String {
        String(decoding: TextFormat.encode(families(images, region: region)), as: UTF8.self)
    }

    @Test func matchesGoldenText() throws {
        try expectGolden(render(Self.images), "image_metrics.prom")
        let openMetrics = ExpositionFormat.openMetrics(version: "1.0.0").encode(families(Self.images))
        try expectGolden(String(decoding: openMetrics, as: UTF8.self), "image_metrics.om.txt")
    }

    @Test func emptyRegionStillHasEveryKnownCombinationAndCode() throws {
        let families = families([], region: "eu-west-1")
        let counts = try #require(families.first { $0.name == "aws_workspaces_images" })
        #expect(counts.samples.count == 12)
        #expect(counts.samples.allSatisfy { $0.value == 0 })
        let errors = try #require(families.first { $0.name == "aws_workspaces_image_errors" })
        #expect(errors.samples.count == WorkSpacesModel.errorDetailCodes.count)
        #expect(WorkSpacesModel.errorDetailCodes.count == 48)
        #expect(families.first { $0.name == "aws_workspaces_image_info" }?.samples.isEmpty == true)
        try expectGolden(render([], region: "eu-west-1"), "empty_region.prom")
    }

    @Test func eachImageCountsACodeOnce() throws {
        let families = families(Self.images, region: "r")
        let errors = try #require(families.first { $0.name == "aws_workspaces_image_errors" })
        func count(_ code: String) -> Double? {
            errors.samples.first { $0.labels.contains(Label("error_code", code)) }?.value
        }
        #expect(count("DiskFreeSpace") == 1)   // twice in one image's details
        #expect(count("PendingReboot") == 2)   // ErrorCode and detail of wsi-eee, detail of wsi-bbb
        #expect(count("ImageCreationFailed") == 1)
        #expect(count("QuantumDriveDetected") == 1)
        #expect(count("") == nil)
    }

    @Test func aRepeatedImageIdCountsOnceEverywhere() throws {
        // The second copy differs, to show which one is kept: the first.
        var copy = Self.images[0]
        copy.state = "ERROR"
        let mapped = ImageMetrics.families(for: [Self.images[1], Self.images[0], copy, Self.images[1]], target: Self.target("r"), now: Self.now)
        #expect(mapped.duplicates == 2)
        #expect(mapped.ids == [Self.images[0], Self.images[1]].map { $0.imageId ?? "" }.sorted(), "each id once, sorted")
        let families = mapped.families
        #expect(families.first { $0.name == "aws_workspaces_image_info" }?.samples.count == 2)
        let counts = try #require(families.first { $0.name == "aws_workspaces_images" })
        #expect(counts.samples.reduce(0) { $0 + $1.value } == 2, "the aggregates agree with the per-image series")
        let available = try #require(counts.samples.first {
            $0.labels.contains(Label("state", "AVAILABLE")) && $0.labels.contains(Label("required_tenancy", "DEDICATED")) && $0.labels.contains(Label("os_type", "WINDOWS"))
        })
        #expect(available.value == 1)
        #expect(families.first { $0.name == "aws_workspaces_images_update_available" }?.samples.first?.value == 1)
    }

    @Test func labelValuesFromTheAPIAreBounded() throws {
        let hostile = WorkspaceImage(
            imageId: "wsi-" + String(repeating: "a", count: 500), name: String(repeating: "n", count: 1000),
            operatingSystem: .init(type: "WIN DOWS\n"), state: "AVAILABLE\u{0}", requiredTenancy: String(repeating: "T", count: 65),
            errorCode: "Bad Code", created: 1, ownerAccountId: "12345 6789012")
        let families = families([hostile])
        let info = try #require(families.first { $0.name == "aws_workspaces_image_info" }?.samples.first)
        func value(_ name: String) -> String? { info.labels.first { $0.name == name }?.value }
        #expect(value("image_id") == "other")
        #expect((value("name")?.utf8.count ?? 0) <= 256)
        #expect(value("os_type") == "other" && value("state") == "other" && value("required_tenancy") == "other")
        #expect(value("owner_account_id") == "other")
        let errors = try #require(families.first { $0.name == "aws_workspaces_image_errors" })
        #expect(errors.samples.contains { $0.labels.contains(Label("error_code", "other")) && $0.value == 1 })
        // A value AWS may add later, in the form of its enumerations, passes.
        let future = self.families([WorkspaceImage(imageId: "wsi-f", state: "UPDATING", requiredTenancy: "DEFAULT")])
        let counts = try #require(future.first { $0.name == "aws_workspaces_images" })
        let updating = counts.samples.filter { $0.labels.contains(Label("state", "UPDATING")) }
        #expect(updating.count == 1 && updating.first?.value == 1)
    }

    @Test func ageIsNeverNegative() throws {
        let families = families([Self.images[3]], region: "r")
        #expect(families.first { $0.name == "aws_workspaces_image_age_seconds" }?.samples.first?.value == 0)
    }

    /// The age family built again from the recorded creation times, at a
    /// later time, is the one the images give at that time: repeats counted
    /// once, images without a creation time left out, never negative.
    @Test func theAgeFamilyComesBackFromItsSources() throws {
        var copy = Self.images[0]
        copy.created = 1
        let images = Self.images + [copy]
        let built = ImageMetrics.build(images, target: Self.target(), now: Self.now)
        #expect(built.ages.map(\.imageId) == ["wsi-aaa", "wsi-bbb", "wsi-ddd", "wsi-eee"])
        let later = Self.now + 3_600
        let expected = ImageMetrics.families(for: images, target: Self.target(), now: later).families.first { $0.name == ImageMetrics.ageFamilyName }
        #expect(ImageMetrics.ageFamily(built.ages, target: Self.target(), now: later) == expected)
    }
}
