import AWSCore
import AWSWorkSpaces
import Testing
@testable import WorkSpacesCollector

/// The digest that decides whether a collection's families are those of
/// the last one covers everything they are built from but the time: each
/// listing's answers, whether the bundles were listed at all, and the labels.
@Suite struct TargetCollectorTests {
    static func listing<T>(_ pages: [String], as _: T.Type) throws -> Listing<T> {
        var listing = Listing<T> { _ throws(AWSClientError) in ([], nil) }
        for page in pages { _ = try listing.add(answer: Array(page.utf8), known: nil) }
        return listing
    }

    @Test func theSourceDigestCoversEveryAnswerAndTheLabels() throws {
        let images = try Self.listing([#"{"Images":[]}"#], as: WorkspaceImage.self)
        let bundles = try Self.listing([#"{"Bundles":[]}"#], as: WorkspaceBundle.self)
        let workspaces = try Self.listing([#"{"Workspaces":[]}"#], as: Workspace.self)
        let labels = TargetLabels(accountId: "123456789012", region: "us-east-1")
        let digest = { (images: Listing<WorkspaceImage>, bundles: Listing<WorkspaceBundle>?, workspaces: Listing<Workspace>?, labels: TargetLabels) in
            TargetCollector.sourceDigest(images: images, bundles: bundles, workspaces: workspaces, labels: labels)
        }
        let base = digest(images, bundles, nil, labels)
        #expect(base == digest(try Self.listing([#"{"Images":[]}"#], as: WorkspaceImage.self), bundles, nil, labels), "same answers")
        #expect(base != digest(try Self.listing([#"{"Images":[ ]}"#], as: WorkspaceImage.self), bundles, nil, labels), "other images")
        #expect(base != digest(images, try Self.listing([#"{"Bundles":[ ]}"#], as: WorkspaceBundle.self), nil, labels), "other bundles")
        #expect(base != digest(images, nil, nil, labels), "no bundles listed")
        #expect(base != digest(images, bundles, workspaces, labels), "WorkSpaces listed")
        #expect(base != digest(images, bundles, nil, TargetLabels(accountId: "210987654321", region: "us-east-1")), "another account")
        #expect(base != digest(images, bundles, nil, TargetLabels(accountId: "123456789012", region: "eu-west-1")), "another region")
        #expect(base != digest(images, bundles, nil, TargetLabels(accountId: "12345678901", region: "2us-east-1")), "where a label ends")
    }

    /// The age family's digest stands for its text: the source digest (its
    /// series) and its values; the same for the same, other for either changed.
    @Test func theAgeFamilysDigestFollowsItsSourcesAndValues() throws {
        let labels = TargetLabels(accountId: "123456789012", region: "us-east-1")
        let sources = [ImageMetrics.AgeSource(imageId: "wsi-1", created: 1_000), ImageMetrics.AgeSource(imageId: "wsi-2", created: 2_000)]
        func digest(_ sources: [ImageMetrics.AgeSource], now: Double, source: UInt64 = 7) -> UInt64? {
            TargetCollector.withAgeDigest(ImageMetrics.ageFamily(sources, target: labels, now: now), sourceDigest: source).sourceDigest
        }
        let base = try #require(digest(sources, now: 5_000))
        #expect(base == digest(sources, now: 5_000))
        #expect(base != digest(sources, now: 5_001), "other ages")
        #expect(base != digest(sources, now: 5_000, source: 8), "other series")
        #expect(base != digest(Array(sources.prefix(1)), now: 5_000), "fewer series")
        #expect(base != digest([sources[0], ImageMetrics.AgeSource(imageId: "wsi-2", created: 2_001)], now: 5_000), "one age changed")
    }
}
