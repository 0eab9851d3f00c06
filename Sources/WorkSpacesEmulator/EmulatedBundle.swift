import AWSCore
import AWSWorkSpaces

/// A bundle as the emulator serves it.
public struct EmulatedBundle: Sendable, Hashable {
    public var bundleId: String
    public var name: String
    /// `AMAZON` for AWS's public bundles, else the account id.
    public var owner: String
    public var imageId: String
    public var computeType: String
    public var lastUpdated: Double
    public var created: Double

    public var isAmazon: Bool { owner == "AMAZON" }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("BundleId", bundleId)
        writer.member("Name", name)
        writer.member("Owner", owner)
        writer.member("Description", "Emulated bundle \(name)")
        writer.member("ImageId", imageId)
        writer.key("RootStorage")
        writer.beginObject()
        writer.member("Capacity", "80")
        writer.endObject()
        writer.key("UserStorage")
        writer.beginObject()
        writer.member("Capacity", "50")
        writer.endObject()
        writer.key("ComputeType")
        writer.beginObject()
        writer.member("Name", computeType)
        writer.endObject()
        writer.key("LastUpdatedTime")
        writer.raw(JSONWriter.number(lastUpdated))
        writer.key("CreationTime")
        writer.raw(JSONWriter.number(created))
        writer.member("State", "AVAILABLE")
        writer.member("BundleType", "REGULAR")
        writer.endObject()
    }
}

/// A WorkSpace as the emulator serves it.
public struct EmulatedWorkspace: Sendable, Hashable {
    public var workspaceId: String
    public var userName: String
    public var state: String
    public var bundleId: String
    public var runningMode: String
    public var computeType: String

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("WorkspaceId", workspaceId)
        writer.member("DirectoryId", "d-90670b1d2e")
        writer.member("UserName", userName)
        writer.member("IpAddress", "10.0.0.10")
        writer.member("State", state)
        writer.member("BundleId", bundleId)
        writer.member("ComputerName", "WSAMZN-\(workspaceId.suffix(6).uppercased())")
        writer.key("WorkspaceProperties")
        writer.beginObject()
        writer.member("RunningMode", runningMode)
        writer.member("RunningModeAutoStopTimeoutInMinutes", runningMode == "AUTO_STOP" ? 60 : nil)
        writer.member("ComputeTypeName", computeType)
        writer.endObject()
        writer.endObject()
    }
}
