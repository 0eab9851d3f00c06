package import AWSCore
/// One image from `DescribeWorkspaceImages`. Every member is optional, as in
/// the API model; members this exporter does not use are skipped when reading.
public struct WorkspaceImage: Sendable, Hashable {
    public var imageId: String?
    public var name: String?
    public var description: String?
    public var operatingSystem: OperatingSystem?
    public var state: String?
    public var requiredTenancy: String?
    public var errorCode: String?
    public var errorMessage: String?
    /// Unix seconds.
    public var created: Double?
    public var ownerAccountId: String?
    public var updates: Updates?
    public var errorDetails: [ErrorDetail]?

    /// The image's operating system.
    public struct OperatingSystem: Sendable, Hashable {
        public var type: String?
        public init(type: String?) { self.type = type }
    }

    /// Whether updated drivers or agents are available.
    public struct Updates: Sendable, Hashable {
        public var updateAvailable: Bool?
        public var description: String?
        public init(updateAvailable: Bool?, description: String? = nil) {
            self.updateAvailable = updateAvailable
            self.description = description
        }
    }

    /// One failed image check.
    public struct ErrorDetail: Sendable, Hashable {
        public var errorCode: String?
        public var errorMessage: String?
        public init(errorCode: String?, errorMessage: String? = nil) {
            self.errorCode = errorCode
            self.errorMessage = errorMessage
        }
    }


    public init(
        imageId: String? = nil, name: String? = nil, description: String? = nil,
        operatingSystem: OperatingSystem? = nil, state: String? = nil, requiredTenancy: String? = nil,
        errorCode: String? = nil, errorMessage: String? = nil, created: Double? = nil,
        ownerAccountId: String? = nil, updates: Updates? = nil, errorDetails: [ErrorDetail]? = nil
    ) {
        self.imageId = imageId; self.name = name; self.description = description
        self.operatingSystem = operatingSystem; self.state = state; self.requiredTenancy = requiredTenancy
        self.errorCode = errorCode; self.errorMessage = errorMessage; self.created = created
        self.ownerAccountId = ownerAccountId; self.updates = updates; self.errorDetails = errorDetails
    }

}

extension WorkspaceImage {
    /// Reads one image object; members it does not know are skipped, a
    /// member of the wrong type is an error (as with `Decodable`).
    package static func read(_ reader: inout JSONReader) throws(JSONReader.Failure) -> WorkspaceImage {
        var image = WorkspaceImage()
        guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("expected an image object") }
        try reader.object { reader, key throws(JSONReader.Failure) in
            switch key {
            case "ImageId": image.imageId = try reader.optionalString()
            case "Name": image.name = try reader.optionalString()
            case "Description": image.description = try reader.optionalString()
            case "State": image.state = try reader.optionalString()
            case "RequiredTenancy": image.requiredTenancy = try reader.optionalString()
            case "ErrorCode": image.errorCode = try reader.optionalString()
            case "ErrorMessage": image.errorMessage = try reader.optionalString()
            case "OwnerAccountId": image.ownerAccountId = try reader.optionalString()
            // Epoch seconds, sometimes in E-notation.
            case "Created": image.created = try reader.null() ? nil : reader.number()
            case "OperatingSystem":
                if try reader.null() { return }
                var system = OperatingSystem(type: nil)
                try reader.object { reader, key throws(JSONReader.Failure) in
                    if key == "Type" { system.type = try reader.optionalString() } else { try reader.skip() }
                }
                image.operatingSystem = system
            case "Updates":
                if try reader.null() { return }
                var updates = Updates(updateAvailable: nil)
                try reader.object { reader, key throws(JSONReader.Failure) in
                    switch key {
                    case "UpdateAvailable": updates.updateAvailable = try reader.null() ? nil : reader.bool()
                    case "Description": updates.description = try reader.optionalString()
                    default: try reader.skip()
                    }
                }
                image.updates = updates
            case "ErrorDetails":
                if try reader.null() { return }
                var details: [ErrorDetail] = []
                try reader.array { reader throws(JSONReader.Failure) in
                    var detail = ErrorDetail(errorCode: nil)
                    try reader.object { reader, key throws(JSONReader.Failure) in
                        switch key {
                        case "ErrorCode": detail.errorCode = try reader.optionalString()
                        case "ErrorMessage": detail.errorMessage = try reader.optionalString()
                        default: try reader.skip()
                        }
                    }
                    details.append(detail)
                }
                image.errorDetails = details
            default:
                try reader.skip()
            }
        }
        return image
    }
}
