/// The collectors, named as on the command line (`--collector.bundles`,
/// `--no-collector.workspaces`) and in `aws_workspaces_collector_success`.
public enum CollectorKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// `DescribeWorkspaceImages`: always on; `aws_workspaces_up` reports it.
    case images
    /// `DescribeWorkspaceBundles`: the account's own bundles and the images they use.
    case bundles
    /// `DescribeWorkspaces`: WorkSpaces counted by bundle, state and running mode.
    case workspaces
    /// `DescribeWorkspaceImagePermissions`: the accounts each owned image is
    /// shared with; one call per owned image, each refreshed at most once
    /// per `--collector.image-permissions.interval`.
    case imagePermissions = "image_permissions"
    /// IAM `ListAccountAliases`: the account's alias in `aws_workspaces_account_info`,
    /// asked once per account (identity) per hour.
    case accountAlias = "account_alias"

    /// The API operation it calls.
    public var operation: String {
        switch self {
        case .images: return "DescribeWorkspaceImages"
        case .bundles: return "DescribeWorkspaceBundles"
        case .workspaces: return "DescribeWorkspaces"
        case .imagePermissions: return "DescribeWorkspaceImagePermissions"
        case .accountAlias: return "ListAccountAliases"
        }
    }

    /// The IAM action it needs, for the log line when it is refused.
    public var action: String { self == .accountAlias ? "iam:\(operation)" : "workspaces:\(operation)" }

    public static func < (lhs: CollectorKind, rhs: CollectorKind) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
