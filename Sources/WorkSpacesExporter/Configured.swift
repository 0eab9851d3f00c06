import WorkSpacesCollector

/// What the configuration asks to collect: the static targets (from the
/// config file or the flags) and the `organizations` entries that discover more.
struct Configured: Sendable {
    var targets: [Target]
    var sources: [OrganizationsSource]
}
