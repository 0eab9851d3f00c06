public import Exposition

/// The image-permissions collector's families: with how many accounts each
/// owned image is shared, and, when discovery has listed the whole
/// organisation, how many of them are outside it.
public enum ImagePermissionsMetrics {
    public static func families(_ permissions: [String: [String]], organization: Set<String>?, target: TargetLabels) -> [MetricFamily] {
        var shared: [Sample] = [], outside: [Sample] = []
        var seen: Set<String> = []
        for (imageId, accounts) in permissions.sorted(by: { $0.key < $1.key }) {
            // Two raw ids may bound to the same label value (too long, or with
            // a space): the first, in raw order, is the series, as for the image families.
            let imageLabel = LabelValues.identifier(imageId)
            guard seen.insert(imageLabel).inserted else { continue }
            let labels = target.with([Label("image_id", imageLabel)])
            let distinct = Set(accounts)
            shared.append(Sample(labels: labels, value: Double(distinct.count)))
            if let organization {
                outside.append(Sample(labels: labels, value: Double(distinct.subtracting(organization).count)))
            }
        }
        var families = [
            MetricFamily(name: "aws_workspaces_image_shared_accounts", help: "Accounts the owned WorkSpaces image is shared with (DescribeWorkspaceImagePermissions).", type: .gauge, samples: shared),
        ]
        if organization != nil {
            families.append(MetricFamily(
                name: "aws_workspaces_image_shared_outside_organization_accounts",
                help: "Accounts outside the AWS organisation (as Organizations discovery last listed it) the owned WorkSpaces image is shared with.",
                type: .gauge, samples: outside))
        }
        return families
    }
}
