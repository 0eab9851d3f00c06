package import AWSCore
/// One WorkSpace from `DescribeWorkspaces`, reduced to what the aggregate
/// counts need: nothing about its user is kept.
public struct Workspace: Sendable, Hashable {
    public var state: String?
    public var bundleId: String?
    /// `WorkspaceProperties.RunningMode`.
    public var runningMode: String?
    /// `WorkspaceProperties.ComputeTypeName`.
    public var computeType: String?

    public init(state: String? = nil, bundleId: String? = nil, runningMode: String? = nil, computeType: String? = nil) {
        self.state = state
        self.bundleId = bundleId
        self.runningMode = runningMode
        self.computeType = computeType
    }

    package static func read(_ reader: inout JSONReader) throws(JSONReader.Failure) -> Workspace {
        var workspace = Workspace()
        try reader.object { reader, key throws(JSONReader.Failure) in
            switch key {
            case "State": workspace.state = try reader.optionalString()
            case "BundleId": workspace.bundleId = try reader.optionalString()
            case "WorkspaceProperties":
                if try reader.null() { return }
                try reader.object { reader, key throws(JSONReader.Failure) in
                    switch key {
                    case "RunningMode": workspace.runningMode = try reader.optionalString()
                    case "ComputeTypeName": workspace.computeType = try reader.optionalString()
                    default: try reader.skip()
                    }
                }
            default: try reader.skip()
            }
        }
        return workspace
    }
}
