/// What the emulator serves and how it misbehaves.
public struct EmulatorConfiguration: Sendable {
    /// The accounts, the first being the one `AKIDEMULATOR` belongs to.
    public var accounts: [EmulatedAccount]
    /// Added before every answer.
    public var latency: Duration
    public var fault: Fault?
    /// The fault hits every n-th WorkSpaces request (1: all of them).
    public var faultEvery: Int
    /// Only requests signed for this region get the fault (nil: every region).
    public var faultRegion: String?
    /// Only this operation gets the fault (nil: every WorkSpaces operation).
    public var faultOperation: String?
    /// WorkSpaces requests per second each account may make in each region
    /// (a token bucket holding one second's worth); beyond it, requests are
    /// throttled as AWS throttles them. Nil: no limit.
    public var throttleRate: Double?
    /// Role ARNs whose `AssumeRole` is refused with AccessDenied.
    public var deniedRoles: Set<String>
    /// Role ARNs whose trust policy requires an `sts:ExternalId`: AssumeRole
    /// without that exact id is refused with AccessDenied, as AWS refuses it.
    public var externalIds: [String: String] = [:]
    /// Seconds the emulator's clock is ahead of the machine's: requests
    /// signed more than 5 minutes off it are refused as AWS refuses them.
    public var clockOffset: Double
    /// `MaxResults` when the request gives none.
    public var defaultPageSize: Int
    /// Accept keys the emulator does not know as the default account's,
    /// checking only the signature's form: for tests about where
    /// credentials come from (moto's STS, a helper, a metadata endpoint),
    /// whose keys the emulator cannot know.
    public var acceptUnknownKeys = false
    /// Accounts Organizations lists as SUSPENDED.
    public var suspendedAccounts: Set<String> = []

    public init(
        accounts: [EmulatedAccount], latency: Duration = .zero, fault: Fault? = nil, faultEvery: Int = 1,
        faultRegion: String? = nil, faultOperation: String? = nil, deniedRoles: Set<String> = [], clockOffset: Double = 0,
        defaultPageSize: Int = 25
    ) {
        self.accounts = accounts
        self.latency = latency
        self.fault = fault
        self.faultEvery = max(1, faultEvery)
        self.faultRegion = faultRegion
        self.faultOperation = faultOperation
        self.deniedRoles = deniedRoles
        self.clockOffset = clockOffset
        self.defaultPageSize = defaultPageSize
    }

    /// One account (the default one) with `images` seeded images in every
    /// region, its bundles and `workspaces` WorkSpaces.
    public init(images: [EmulatedImage], workspaces: Int = 0, latency: Duration = .zero, fault: Fault? = nil, faultEvery: Int = 1, faultRegion: String? = nil, defaultPageSize: Int = 25) {
        self.init(
            accounts: [EmulatedAccount(id: SeedImages.ownerAccountId, images: images, workspaces: workspaces)],
            latency: latency, fault: fault, faultEvery: faultEvery, faultRegion: faultRegion, defaultPageSize: defaultPageSize)
    }
}
