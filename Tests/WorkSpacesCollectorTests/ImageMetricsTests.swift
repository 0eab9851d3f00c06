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

    func render(_ images: [WorkspaceImage], region: String = "us-east-1") -> String {
        String(decoding: TextFormat.encode(ImageMetrics.families(for: images, region: region, now: Self.now)), as: UTF8.self)
    }

    @Test func matchesGoldenText() throws {
        try expectGolden(render(Self.images), "image_metrics.prom")
        let openMetrics = ExpositionFormat.openMetrics(version: "1.0.0").encode(ImageMetrics.families(for: Self.images, region: "us-east-1", now: Self.now))
        try expectGolden(String(decoding: openMetrics, as: UTF8.self), "image_metrics.om.txt")
    }

    @Test func emptyRegionStillHasEveryKnownCombinationAndCode() throws {
        let families = ImageMetrics.families(for: [], region: "eu-west-1", now: Self.now)
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
        let families = ImageMetrics.families(for: Self.images, region: "r", now: Self.now)
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

    @Test func duplicateImageIdsDoNotDuplicateSeries() throws {
        let twice = [Self.images[0], Self.images[0]]
        let families = ImageMetrics.families(for: twice, region: "r", now: Self.now)
        #expect(families.first { $0.name == "aws_workspaces_image_info" }?.samples.count == 1)
        let available = try #require(families.first { $0.name == "aws_workspaces_images" }?.samples.first {
            $0.labels.contains(Label("state", "AVAILABLE")) && $0.labels.contains(Label("required_tenancy", "DEDICATED")) && $0.labels.contains(Label("os_type", "WINDOWS"))
        })
        #expect(available.value == 2)
    }

    @Test func ageIsNeverNegative() throws {
        let families = ImageMetrics.families(for: [Self.images[3]], region: "r", now: Self.now)
        #expect(families.first { $0.name == "aws_workspaces_image_age_seconds" }?.samples.first?.value == 0)
    }
}
