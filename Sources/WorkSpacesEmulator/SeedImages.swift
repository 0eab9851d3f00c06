import AWSCore
import AWSWorkSpaces

/// The emulator's deterministic image set: a handful of hand-written edge cases
/// followed by generated images that cover every state, tenancy, OS, error
/// detail code and update flag.
public enum SeedImages {
    /// The account that "owns" the emulated images; others are shared.
    public static let ownerAccountId = "123456789012"
    public static let sharingAccountId = "210987654321"
    /// Creation time of the newest generated image (2025-11-29T00:00:00Z).
    public static let newestCreated = 1_764_374_400.0

    /// The error detail codes of the WorkSpaces API model, cycled through ERROR images.
    public static let errorDetailCodes = WorkSpacesModel.errorDetailCodes

    /// Hand-written cases: odd names, missing members, values AWS may add later.
    public static let edgeCases: [EmulatedImage] = [
        EmulatedImage(
            imageId: "wsi-edge00001", name: #"golden\windows "2022"#, description: "Backslash and quotes in the name",
            operatingSystemType: "WINDOWS", state: "AVAILABLE", requiredTenancy: "DEDICATED",
            created: 1_732_811_234.567, createdInENotation: true, ownerAccountId: ownerAccountId, updateAvailable: true),
        EmulatedImage(
            imageId: "wsi-edge00002", name: "multi\nline name", operatingSystemType: "LINUX", state: "ERROR",
            requiredTenancy: "DEFAULT", errorCode: "ImageCreationFailed", errorMessage: "Image creation failed",
            created: 1_700_000_000.25, ownerAccountId: ownerAccountId, updateAvailable: false,
            errorDetailCodes: ["DiskFreeSpace", "DiskFreeSpace", "PendingReboot"]),
        EmulatedImage(
            imageId: "wsi-edge00003", name: nil, operatingSystemType: nil, hasOperatingSystem: false,
            state: nil, requiredTenancy: nil, created: nil, ownerAccountId: nil, updateAvailable: nil),
        EmulatedImage(
            imageId: "wsi-edge00004", name: "future values", operatingSystemType: "UBUNTU_PRO", state: "UPDATING",
            requiredTenancy: "DEFAULT", errorCode: "", created: 1_760_000_000, ownerAccountId: sharingAccountId,
            updateAvailable: false, errorDetailCodes: ["QuantumDriveDetected"]),
        EmulatedImage(
            imageId: "wsi-edge00005", name: "empty os", operatingSystemType: nil, state: "PENDING",
            requiredTenancy: "DEDICATED", created: 1_764_300_000, ownerAccountId: ownerAccountId,
            updateAvailable: true, errorDetailCodes: []),
    ]

    /// `count` images: the edge cases first, then generated ones.
    public static func images(count: Int) -> [EmulatedImage] {
        var result = Array(edgeCases.prefix(max(0, count)))
        var index = 0
        while result.count < count {
            result.append(generated(index))
            index += 1
        }
        return result
    }

    /// `count` generated images of another account in one region: ids and
    /// names carry the account and region, so every pair has its own truth.
    public static func images(count: Int, account: String, region: String) -> [EmulatedImage] {
        let tag = String(account.suffix(4)) + String(stableHash(region) % 1000).leftPadded(to: 3)
        return (0..<max(0, count)).map { index in
            var image = generated(index, owner: account)
            image.imageId = "wsi-\(tag)\(String(index, radix: 16).leftPadded(to: 5))"
            image.name = "\(account)-\(region)-image-\(index)"
            return image
        }
    }

    /// FNV-1a: a hash that is the same in every run, unlike `Hasher`.
    static func stableHash(_ text: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % 1_000_000_007)
    }

    static func generated(_ index: Int, owner: String = ownerAccountId) -> EmulatedImage {
        let states = ["AVAILABLE", "AVAILABLE", "AVAILABLE", "AVAILABLE", "AVAILABLE", "AVAILABLE", "PENDING", "ERROR"]
        let state = states[index % states.count]
        let os = index % 3 == 2 ? "LINUX" : "WINDOWS"
        let tenancy = index % 4 == 1 ? "DEDICATED" : "DEFAULT"
        var detailCodes: [String]? = nil
        var errorCode: String? = nil
        var errorMessage: String? = nil
        if state == "ERROR" {
            let first = (index / 8) % errorDetailCodes.count
            detailCodes = [errorDetailCodes[first], errorDetailCodes[(first + 17) % errorDetailCodes.count]]
            errorCode = "ImageValidationFailed"
            errorMessage = "The image failed validation checks"
        }
        let hex = String(index, radix: 16)
        return EmulatedImage(
            imageId: "wsi-" + String(repeating: "0", count: max(0, 9 - hex.count)) + hex,
            name: "image-\(index)-\(os.lowercased())",
            description: "Generated image \(index)",
            operatingSystemType: os, state: state, requiredTenancy: tenancy,
            errorCode: errorCode, errorMessage: errorMessage,
            created: newestCreated - Double(index) * 2.5 * 86_400 + 0.125,
            ownerAccountId: index % 5 == 4 ? sharingAccountId : owner,
            updateAvailable: index % 4 == 3,
            errorDetailCodes: detailCodes)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
