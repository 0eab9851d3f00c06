/// An account of the emulator: its long-term key, and what it holds in each region.
public struct EmulatedAccount: Sendable {
    public let id: String
    /// The default account's images are the same in every region (the seed
    /// tests compare with); other accounts' differ per region.
    let fixedImages: [EmulatedImage]?
    let imageCount: Int
    let workspaceCount: Int

    /// The default account, `AKIDEMULATOR`, with the given images everywhere.
    public init(id: String, images: [EmulatedImage], workspaces: Int) {
        self.id = id
        self.fixedImages = images
        self.imageCount = images.count
        self.workspaceCount = workspaces
    }

    /// Another account, with `images` images and `workspaces` WorkSpaces per
    /// region, seeded from the account and region.
    public init(id: String, images: Int, workspaces: Int) {
        self.id = id
        self.fixedImages = nil
        self.imageCount = images
        self.workspaceCount = workspaces
    }

    /// The account's long-term key: `AKIDEMULATOR` for the default account,
    /// `AKID` and the account id for others.
    public var accessKeyId: String { id == SeedImages.ownerAccountId ? "AKIDEMULATOR" : "AKID\(id)" }
    public var secretAccessKey: String { id == SeedImages.ownerAccountId ? "emulator-secret" : "secret-\(id)" }

    public func images(region: String) -> [EmulatedImage] {
        fixedImages ?? SeedImages.images(count: imageCount, account: id, region: region)
    }

    public func bundles(region: String) -> [EmulatedBundle] {
        SeedBundles.bundles(for: images(region: region), account: id, region: region)
    }

    public func workspaces(region: String) -> [EmulatedWorkspace] {
        SeedBundles.workspaces(count: workspaceCount, bundles: bundles(region: region), account: id, region: region)
    }

    /// An account outside every emulated organisation, for shared images.
    public static let outsideAccount = "999999999999"

    /// The accounts the owned image at `imageIndex` is shared with: every
    /// third image with the organisation's next account, every fifth (from
    /// the second) also with ``outsideAccount``.
    public func sharedAccounts(imageIndex: Int, organization: [String]) -> [String] {
        var shared: [String] = []
        if imageIndex % 3 == 0, let next = organization.first(where: { $0 != id }) { shared.append(next) }
        if imageIndex % 5 == 1 { shared.append(Self.outsideAccount) }
        return shared
    }
}
