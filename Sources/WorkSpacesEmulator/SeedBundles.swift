import AWSCore
import AWSWorkSpaces

/// The emulator's bundles and WorkSpaces, derived from an account's images:
/// a bundle on the first two (old) images and on every third generated one,
/// so that some images are unused, some bundles sit on old images and some
/// images with updates waiting carry WorkSpaces; plus AWS's public bundles,
/// which only `Owner: AMAZON` returns.
public enum SeedBundles {
    public static let workspaceStates = [
        "AVAILABLE", "AVAILABLE", "AVAILABLE", "AVAILABLE", "STOPPED", "STOPPED", "PENDING", "IMPAIRED", "UNHEALTHY",
        "REBOOTING", "STARTING", "REBUILDING", "RESTORING", "MAINTENANCE", "ADMIN_MAINTENANCE", "TERMINATING",
        "TERMINATED", "SUSPENDED", "UPDATING", "STOPPING", "ERROR",
    ]
    public static let runningModes = ["AUTO_STOP", "ALWAYS_ON", "MANUAL"]
    static let computeTypes = ["STANDARD", "PERFORMANCE", "POWER", "VALUE", "GRAPHICS_G4DN"]

    /// AWS's public bundles (Owner AMAZON), the same everywhere.
    public static let amazon: [EmulatedBundle] = (0..<3).map { index in
        EmulatedBundle(
            bundleId: "wsb-amazon\(String(index, radix: 16).leftPadded(to: 5))", name: "Standard with Windows \(index)",
            owner: "AMAZON", imageId: "wsi-amazon\(String(index, radix: 16).leftPadded(to: 5))", computeType: "STANDARD",
            lastUpdated: SeedImages.newestCreated - 86_400, created: SeedImages.newestCreated - 400 * 86_400)
    }

    /// The account's own bundles, built from its images.
    public static func bundles(for images: [EmulatedImage], account: String, region: String) -> [EmulatedBundle] {
        var result: [EmulatedBundle] = []
        for (index, image) in images.enumerated() {
            guard let imageId = image.imageId, image.ownerAccountId == account || image.ownerAccountId == nil || image.ownerAccountId == SeedImages.sharingAccountId else { continue }
            guard index < 2 || (index >= 5 && (index - 5) % 3 == 0) else { continue }
            let number = result.count
            let tag = String(account.suffix(4)) + String(SeedImages.stableHash(region) % 1000).leftPadded(to: 3)
            result.append(EmulatedBundle(
                bundleId: "wsb-\(tag)\(String(number, radix: 16).leftPadded(to: 5))", name: "bundle-\(number)",
                owner: account, imageId: imageId, computeType: computeTypes[number % computeTypes.count],
                lastUpdated: SeedImages.newestCreated - Double(number) * 86_400, created: SeedImages.newestCreated - Double(number + 30) * 86_400))
        }
        return result
    }

    /// `count` WorkSpaces: most on the account's own bundles in turn, every
    /// fifth on a public one; every state and running mode appears.
    public static func workspaces(count: Int, bundles: [EmulatedBundle], account: String, region: String) -> [EmulatedWorkspace] {
        let own = bundles.filter { !$0.isAmazon }
        let tag = String(account.suffix(4)) + String(SeedImages.stableHash(region) % 1000).leftPadded(to: 3)
        return (0..<max(0, count)).map { index in
            let bundle = index % 5 == 4 || own.isEmpty ? amazon[index % amazon.count] : own[index % own.count]
            return EmulatedWorkspace(
                workspaceId: "ws-\(tag)\(String(index, radix: 16).leftPadded(to: 5))", userName: "user\(index)",
                state: workspaceStates[index % workspaceStates.count], bundleId: bundle.bundleId,
                runningMode: runningModes[index % runningModes.count], computeType: bundle.computeType)
        }
    }
}
