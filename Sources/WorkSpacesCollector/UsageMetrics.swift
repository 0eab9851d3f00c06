import AWSCore
public import AWSWorkSpaces
public import Exposition

/// Maps bundles and WorkSpaces to their families, and joins them to the
/// images: which bundles use an image, and how many WorkSpaces run on them.
/// Pure, like ``ImageMetrics``.
public enum UsageMetrics {
    /// The account's own bundles: `aws_workspaces_bundle_info` and each
    /// bundle's last update. AWS's public bundles (`Owner` AMAZON) are left out.
    public static func bundleFamilies(_ bundles: [WorkspaceBundle], target: TargetLabels) -> [MetricFamily] {
        var info: [Sample] = []
        var updated: [Sample] = []
        var seen: Set<String> = []
        // In the order of their labelled ids, which is the order they are
        // written in (a stable sort: of bundles with one id the first listed counts).
        let ordered = ownBundles(bundles).map { (id: LabelValues.identifier($0.bundleId), bundle: $0) }.sorted { $0.id < $1.id }
        for (bundleId, bundle) in ordered {
            guard seen.insert(bundleId).inserted else { continue }
            info.append(Sample(labels: target.with([
                Label("bundle_id", bundleId), Label("compute_type", LabelValues.enumeration(bundle.computeType)),
                Label("image_id", LabelValues.identifier(bundle.imageId)), Label("name", LabelValues.text(bundle.name)),
            ]), value: 1))
            if let time = bundle.lastUpdatedTime, time.isFinite {
                updated.append(Sample(labels: target.with([Label("bundle_id", bundleId)]), value: time))
            }
        }
        return inOrder([
            MetricFamily(name: "aws_workspaces_bundle_info", help: "Information about one of the account's own WorkSpaces bundles and the image it is built from; always 1.", type: .gauge, samples: info),
            MetricFamily(name: "aws_workspaces_bundle_last_updated_timestamp_seconds", help: "When the WorkSpaces bundle was last updated, in Unix seconds.", type: .gauge, samples: updated),
        ])
    }

    /// `aws_workspaces_image_bundles`: own bundles built from each image; 0
    /// for an image no bundle uses. Every image listed gets a value.
    public static func imageBundles(imageIds: [String], bundles: [WorkspaceBundle], target: TargetLabels) -> MetricFamily {
        var counts: [String: Int] = [:]
        var seen: Set<String> = []
        for bundle in ownBundles(bundles) where seen.insert(LabelValues.identifier(bundle.bundleId)).inserted {
            counts[LabelValues.identifier(bundle.imageId), default: 0] += 1
        }
        let samples = imageIds.map { Sample(labels: target.with([Label("image_id", $0)]), value: Double(counts[$0] ?? 0)) }
        // `imageIds` is sorted (``ImageMetrics/families(for:target:now:)``): so are the samples.
        return inOrder([MetricFamily(name: "aws_workspaces_image_bundles", help: "Number of the account's own WorkSpaces bundles built from the image; 0 when no bundle uses it.", type: .gauge, samples: samples)])[0]
    }

    /// `aws_workspaces_workspaces`: WorkSpaces counted by bundle, state,
    /// running mode and compute type. Never a series per WorkSpace.
    public static func workspaceFamilies(_ workspaces: [Workspace], target: TargetLabels) -> [MetricFamily] {
        struct Key: Hashable { let bundle, state, mode, compute: String }
        var counts: [Key: Int] = [:]
        for workspace in workspaces {
            let key = Key(
                bundle: LabelValues.identifier(workspace.bundleId), state: LabelValues.enumeration(workspace.state),
                mode: LabelValues.enumeration(workspace.runningMode), compute: LabelValues.enumeration(workspace.computeType))
            counts[key, default: 0] += 1
        }
        // In label-name order (bundle_id, compute_type, running_mode, state), by value.
        let samples = counts.sorted { a, b in
            (a.key.bundle, a.key.compute, a.key.mode, a.key.state) < (b.key.bundle, b.key.compute, b.key.mode, b.key.state)
        }.map { key, count in
            Sample(labels: target.with([
                Label("bundle_id", key.bundle), Label("compute_type", key.compute), Label("running_mode", key.mode), Label("state", key.state),
            ]), value: Double(count))
        }
        return inOrder([MetricFamily(name: "aws_workspaces_workspaces", help: "Number of WorkSpaces by bundle, state, running mode and compute type.", type: .gauge, samples: samples)])
    }

    /// `aws_workspaces_image_workspaces`: WorkSpaces on bundles built from
    /// each image; 0 when none. Every image listed gets a value.
    public static func imageWorkspaces(imageIds: [String], bundles: [WorkspaceBundle], workspaces: [Workspace], target: TargetLabels) -> MetricFamily {
        var imageOfBundle: [String: String] = [:]
        for bundle in ownBundles(bundles) {
            imageOfBundle[LabelValues.identifier(bundle.bundleId)] = LabelValues.identifier(bundle.imageId)
        }
        var counts: [String: Int] = [:]
        for workspace in workspaces {
            if let image = imageOfBundle[LabelValues.identifier(workspace.bundleId)] { counts[image, default: 0] += 1 }
        }
        let samples = imageIds.map { Sample(labels: target.with([Label("image_id", $0)]), value: Double(counts[$0] ?? 0)) }
        return inOrder([MetricFamily(name: "aws_workspaces_image_workspaces", help: "Number of WorkSpaces on the account's own bundles built from the image; 0 when none.", type: .gauge, samples: samples)])[0]
    }

    /// Families built in the order they are written, as given; debug builds
    /// check that order (sorting samples that are in order already costs a
    /// comparison of every neighbouring pair).
    static func inOrder(_ families: [MetricFamily]) -> [MetricFamily] {
        assert(families.allSatisfy { $0.sorted().samples == $0.samples }, "families built out of order")
        return families
    }

    /// Bundles that belong to the account: not AWS's public ones.
    static func ownBundles(_ bundles: [WorkspaceBundle]) -> [WorkspaceBundle] {
        bundles.filter { $0.owner?.uppercased() != "AMAZON" }
    }
}
