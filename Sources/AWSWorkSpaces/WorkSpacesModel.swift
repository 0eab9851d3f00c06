import AWSCore
/// Enumerations of the WorkSpaces API model (botocore's
/// `workspaces/2015-04-08/service-2.json`), used to pre-populate zero-valued
/// series. Values outside these lists still pass through as label values.
public enum WorkSpacesModel {
    /// `WorkspaceImageState`.
    public static let imageStates = ["AVAILABLE", "PENDING", "ERROR"]
    /// `WorkspaceImageRequiredTenancy`.
    public static let requiredTenancies = ["DEFAULT", "DEDICATED"]
    /// `OperatingSystemType`.
    public static let operatingSystemTypes = ["WINDOWS", "LINUX"]
    /// `WorkspaceImageErrorDetailCode`: 48 codes in botocore 1.43.
    public static let errorDetailCodes = [
        "OutdatedPowershellVersion", "OfficeInstalled", "PCoIPAgentInstalled", "WindowsUpdatesEnabled",
        "AutoMountDisabled", "WorkspacesBYOLAccountNotFound", "WorkspacesBYOLAccountDisabled", "DHCPDisabled",
        "DiskFreeSpace", "AdditionalDrivesAttached", "OSNotSupported", "DomainJoined", "AzureDomainJoined",
        "FirewallEnabled", "VMWareToolsInstalled", "DiskSizeExceeded", "IncompatiblePartitioning",
        "PendingReboot", "AutoLogonEnabled", "RealTimeUniversalDisabled", "MultipleBootPartition",
        "Requires64BitOS", "ZeroRearmCount", "InPlaceUpgrade", "AntiVirusInstalled", "UEFINotSupported",
        "UnknownError", "AppXPackagesInstalled", "ReservedStorageInUse", "AdditionalDrivesPresent",
        "WindowsUpdatesRequired", "SysPrepFileMissing", "UserProfileMissing", "InsufficientDiskSpace",
        "EnvironmentVariablesPathMissingEntries", "DomainAccountServicesFound", "InvalidIp",
        "RemoteDesktopServicesDisabled", "WindowsModulesInstallerDisabled", "AmazonSsmAgentEnabled",
        "UnsupportedSecurityProtocol", "MultipleUserProfiles", "StagedAppxPackage", "UnsupportedOsUpgrade",
        "InsufficientRearmCount", "ProtocolOSIncompatibility", "MemoryIntegrityIncompatibility",
        "RestrictedDriveLetterInUse",
    ]
    /// Most image ids one request may name.
    public static let maxImageIdsPerRequest = 25
    /// `MaxResults` bounds.
    public static let maxResultsRange = 1...25
}
