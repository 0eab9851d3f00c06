import AWSCore
import AWSWorkSpaces

/// An image as the emulator serves it. Nil members are left out of the JSON,
/// as AWS leaves out members it has no value for.
public struct EmulatedImage: Sendable, Hashable {
    public var imageId: String?
    public var name: String?
    public var description: String?
    public var operatingSystemType: String?
    /// Whether `OperatingSystem` is present at all (it can be present and empty).
    public var hasOperatingSystem: Bool
    public var state: String?
    public var requiredTenancy: String?
    public var errorCode: String?
    public var errorMessage: String?
    /// Unix seconds.
    public var created: Double?
    /// Write `Created` in E-notation (`1.732811234567E9`), as some answers do.
    public var createdInENotation: Bool
    public var ownerAccountId: String?
    public var updateAvailable: Bool?
    public var errorDetailCodes: [String]?

    public init(
        imageId: String?, name: String?, description: String? = nil, operatingSystemType: String?,
        hasOperatingSystem: Bool = true, state: String?, requiredTenancy: String?, errorCode: String? = nil,
        errorMessage: String? = nil, created: Double?, createdInENotation: Bool = false, ownerAccountId: String?,
        updateAvailable: Bool?, errorDetailCodes: [String]? = nil
    ) {
        self.imageId = imageId; self.name = name; self.description = description
        self.operatingSystemType = operatingSystemType; self.hasOperatingSystem = hasOperatingSystem
        self.state = state; self.requiredTenancy = requiredTenancy; self.errorCode = errorCode
        self.errorMessage = errorMessage; self.created = created; self.createdInENotation = createdInENotation
        self.ownerAccountId = ownerAccountId; self.updateAvailable = updateAvailable
        self.errorDetailCodes = errorDetailCodes
    }

    /// The image as a JSON object of the WorkSpaces API.
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("ImageId", imageId)
        writer.member("Name", name)
        writer.member("Description", description)
        if hasOperatingSystem {
            writer.key("OperatingSystem")
            writer.beginObject()
            writer.member("Type", operatingSystemType)
            writer.endObject()
        }
        writer.member("State", state)
        writer.member("RequiredTenancy", requiredTenancy)
        writer.member("ErrorCode", errorCode)
        writer.member("ErrorMessage", errorMessage)
        if let created {
            writer.key("Created")
            writer.raw(createdInENotation ? JSONWriter.eNotation(created) : JSONWriter.number(created))
        }
        writer.member("OwnerAccountId", ownerAccountId)
        if let updateAvailable {
            writer.key("Updates")
            writer.beginObject()
            writer.key("UpdateAvailable")
            writer.raw(updateAvailable ? "true" : "false")
            writer.member("Description", updateAvailable ? "Updates are available for this image" : "This WorkSpace image does not have updates available")
            writer.endObject()
        }
        if let errorDetailCodes {
            writer.key("ErrorDetails")
            writer.beginArray()
            for code in errorDetailCodes {
                writer.beginObject()
                writer.member("ErrorCode", code)
                writer.member("ErrorMessage", "Image check \(code) failed")
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
    }
}
