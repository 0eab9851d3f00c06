package import AWSCore
/// One bundle from `DescribeWorkspaceBundles`: the members the exporter uses.
public struct WorkspaceBundle: Sendable, Hashable {
    public var bundleId: String?
    public var name: String?
    /// `AMAZON` for AWS's public bundles; the account id (or absent) for the account's own.
    public var owner: String?
    public var imageId: String?
    /// `ComputeType.Name`.
    public var computeType: String?
    /// Unix seconds.
    public var lastUpdatedTime: Double?
    public var state: String?

    public init(bundleId: String? = nil, name: String? = nil, owner: String? = nil, imageId: String? = nil, computeType: String? = nil, lastUpdatedTime: Double? = nil, state: String? = nil) {
        self.bundleId = bundleId
        self.name = name
        self.owner = owner
        self.imageId = imageId
        self.computeType = computeType
        self.lastUpdatedTime = lastUpdatedTime
        self.state = state
    }

    package static func read(_ reader: inout JSONReader) throws(JSONReader.Failure) -> WorkspaceBundle {
        var bundle = WorkspaceBundle()
        try reader.object { reader, key throws(JSONReader.Failure) in
            switch key {
            case "BundleId": bundle.bundleId = try reader.optionalString()
            case "Name": bundle.name = try reader.optionalString()
            case "Owner": bundle.owner = try reader.optionalString()
            case "ImageId": bundle.imageId = try reader.optionalString()
            case "State": bundle.state = try reader.optionalString()
            case "LastUpdatedTime": bundle.lastUpdatedTime = try reader.null() ? nil : reader.number()
            case "ComputeType":
                if try reader.null() { return }
                try reader.object { reader, key throws(JSONReader.Failure) in
                    if key == "Name" { bundle.computeType = try reader.optionalString() } else { try reader.skip() }
                }
            default: try reader.skip()
            }
        }
        return bundle
    }
}
