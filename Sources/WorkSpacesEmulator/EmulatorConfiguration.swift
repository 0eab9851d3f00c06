/// What the emulator serves and how it misbehaves.
public struct EmulatorConfiguration: Sendable {
    public var images: [EmulatedImage]
    /// Added before every answer.
    public var latency: Duration
    public var fault: Fault?
    /// The fault hits every n-th DescribeWorkspaceImages request (1: all of them).
    public var faultEvery: Int
    /// Only requests signed for this region get the fault (nil: every region).
    public var faultRegion: String?
    /// `MaxResults` when the request gives none.
    public var defaultPageSize: Int

    public init(
        images: [EmulatedImage], latency: Duration = .zero, fault: Fault? = nil, faultEvery: Int = 1,
        faultRegion: String? = nil, defaultPageSize: Int = 25
    ) {
        self.images = images
        self.latency = latency
        self.fault = fault
        self.faultEvery = max(1, faultEvery)
        self.faultRegion = faultRegion
        self.defaultPageSize = defaultPageSize
    }
}
