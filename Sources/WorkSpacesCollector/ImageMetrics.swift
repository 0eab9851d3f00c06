import AWSCore
public import AWSWorkSpaces
public import Exposition

/// Maps the images of one target to the image metric families. Pure: the
/// same images, labels and time give the same families.
public enum ImageMetrics {
    /// The error codes every collection counts, sorted once.
    static let sortedErrorCodes = WorkSpacesModel.errorDetailCodes.sorted()
    static let knownErrorCodes = Set(WorkSpacesModel.errorDetailCodes)

    /// Labels written in name order, as given (checked in debug builds).
    @inline(__always)
    static func inOrder(_ labels: [Label]) -> [Label] {
        assert(zip(labels, labels.dropFirst()).allSatisfy { $0.name < $1.name }, "labels out of order")
        return labels
    }

    /// Label value for a field the API did not return.
    public static let unknown = LabelValues.unknown

    /// The families, how many images repeated an `ImageId` already seen
    /// (counted once, in the aggregates as in the per-image series), and the
    /// image ids as labelled, once each and sorted (the order of the
    /// per-image families, which the usage families follow).
    public static func families(for images: [WorkspaceImage], target: TargetLabels, now: Double) -> (families: [MetricFamily], duplicates: Int, ids: [String]) {
        let built = build(images, target: target, now: now)
        return (built.families, built.duplicates, built.ids)
    }

    /// When an image was created, by its labelled id: what its age is computed from.
    public struct AgeSource: Sendable, Equatable {
        public let imageId: String
        public let created: Double
    }

    /// ``families(for:target:now:)`` with the images' creation times, in the
    /// order of their series: enough to build the age family again later
    /// (``ageFamily(_:target:now:)``) without the images.
    public static func build(_ images: [WorkspaceImage], target: TargetLabels, now: Double)
        -> (families: [MetricFamily], duplicates: Int, ids: [String], ages: [AgeSource]) {
        // Counts by (state, tenancy, os): the 12 combinations of known values
        // always present, new values added as they appear.
        struct Combination: Hashable { let state, tenancy, os: String }
        var combinations: [Combination: Int] = [:]
        for state in WorkSpacesModel.imageStates {
            for tenancy in WorkSpacesModel.requiredTenancies {
                for os in WorkSpacesModel.operatingSystemTypes {
                    combinations[Combination(state: state, tenancy: tenancy, os: os)] = 0
                }
            }
        }
        var errorCounts: [String: Int] = Dictionary(uniqueKeysWithValues: WorkSpacesModel.errorDetailCodes.map { ($0, 0) })
        var updatesAvailable = 0
        var info: [Sample] = []
        var ages: [AgeSource] = []
        var created: [Sample] = []
        var perImageUpdate: [Sample] = []
        var ids: [String] = []
        ids.reserveCapacity(images.count)
        var duplicates = 0

        let account = Label("account_id", target.accountId), region = Label("region", target.region)
        let (order, labelledIds) = Self.order(images)
        for index in order {
            let imageId = labelledIds[index]
            let image = images[index]
            // An id seen twice is one image: counting it twice would make the
            // aggregates disagree with the per-image series. (Sorted: a repeat
            // follows the first.)
            guard ids.last != imageId else {
                duplicates += 1
                continue
            }
            ids.append(imageId)
            let state = LabelValues.enumeration(image.state)
            let tenancy = LabelValues.enumeration(image.requiredTenancy)
            let os = LabelValues.enumeration(image.operatingSystem?.type)
            combinations[Combination(state: state, tenancy: tenancy, os: os), default: 0] += 1

            var codes: Set<String> = []
            if let code = image.errorCode, !code.isEmpty { codes.insert(LabelValues.enumeration(code)) }
            for detail in image.errorDetails ?? [] {
                if let code = detail.errorCode, !code.isEmpty { codes.insert(LabelValues.enumeration(code)) }
            }
            for code in codes { errorCounts[code, default: 0] += 1 }

            let updateAvailable = image.updates?.updateAvailable == true
            if updateAvailable { updatesAvailable += 1 }

            // Written out in label-name order rather than merged by
            // ``TargetLabels/with(_:)``: this runs for every image.
            let idLabels = Self.inOrder([account, Label("image_id", imageId), region])
            info.append(Sample(labels: Self.inOrder([
                account, Label("image_id", imageId), Label("name", LabelValues.text(image.name)), Label("os_type", os),
                Label("owner_account_id", LabelValues.identifier(image.ownerAccountId)), region,
                Label("required_tenancy", tenancy), Label("state", state),
            ]), value: 1))
            perImageUpdate.append(Sample(labels: idLabels, value: updateAvailable ? 1 : 0))
            if let createdAt = image.created, createdAt.isFinite {
                created.append(Sample(labels: idLabels, value: createdAt))
                ages.append(AgeSource(imageId: imageId, created: createdAt))
            }
        }

        // The dictionaries in the order their samples are written: the labels
        // other than account_id and region, in label-name order (os_type,
        // required_tenancy, state), compared as values alone, which is cheaper
        // than comparing whole samples.
        let imageCounts = combinations.sorted { a, b in
            (a.key.os, a.key.tenancy, a.key.state) < (b.key.os, b.key.tenancy, b.key.state)
        }.map { combination, count in
            Sample(labels: target.with([
                Label("os_type", combination.os), Label("required_tenancy", combination.tenancy), Label("state", combination.state),
            ]), value: Double(count))
        }
        // The known codes in their order (sorted once), then any others sorted.
        let unknownCodes = errorCounts.keys.filter { !Self.knownErrorCodes.contains($0) }.sorted()
        let errorSamples = (unknownCodes.isEmpty ? Self.sortedErrorCodes : (Self.sortedErrorCodes + unknownCodes).sorted()).map { code in
            Sample(labels: Self.inOrder([account, Label("error_code", code), region]), value: Double(errorCounts[code] ?? 0))
        }

        // Every family is built in the order it is written (checked in debug builds).
        let families = [
            MetricFamily(name: "aws_workspaces_images", help: "Number of WorkSpaces images by state, required tenancy and operating system.", type: .gauge, samples: imageCounts),
            MetricFamily(name: "aws_workspaces_image_errors", help: "Number of WorkSpaces images reporting an error code, as their ErrorCode or in ErrorDetails.", type: .gauge, samples: errorSamples),
            MetricFamily(name: "aws_workspaces_images_update_available", help: "Number of WorkSpaces images with updated drivers or components available.", type: .gauge, samples: [Sample(labels: target.with(), value: Double(updatesAvailable))]),
            MetricFamily(name: "aws_workspaces_image_info", help: "Information about a WorkSpaces image; always 1.", type: .gauge, samples: info),
            Self.ageFamily(ages, target: target, now: now),
            MetricFamily(name: "aws_workspaces_image_created_timestamp_seconds", help: "When the WorkSpaces image was created, in Unix seconds.", type: .gauge, samples: created),
            MetricFamily(name: "aws_workspaces_image_update_available", help: "Whether updated drivers or components are available for the WorkSpaces image (1) or not (0).", type: .gauge, samples: perImageUpdate),
        ]
        assert(families.allSatisfy { $0.sorted().samples == $0.samples }, "families built out of order")
        return (families, duplicates, ids, ages)
    }

    /// The family that changes with the time of the collection alone.
    public static let ageFamilyName = "aws_workspaces_image_age_seconds"
    static let ageHelp = "Seconds since the WorkSpaces image was created, as of the collection (reused ones included, see --collector.min-interval)."

    /// The image age family: seconds from each image's creation to `now`.
    public static func ageFamily(_ sources: [AgeSource], target: TargetLabels, now: Double) -> MetricFamily {
        let account = Label("account_id", target.accountId), region = Label("region", target.region)
        let samples = sources.map { source in
            Sample(labels: Self.inOrder([account, Label("image_id", source.imageId), region]), value: max(0, now - source.created))
        }
        return MetricFamily(name: Self.ageFamilyName, help: Self.ageHelp, type: .gauge, samples: samples)
    }

    /// The images' indices in the order of their labelled ids (a stable
    /// sort: of images with the same id the first listed counts, the repeats
    /// follow it), and the labelled ids by index: the per-image families are
    /// built in the order they are written and need no sorting. Indices are
    /// sorted, not the images: moving whole images copied every field of
    /// each, a dozen strings, at every step of the sort.
    static func order(_ images: [WorkspaceImage]) -> (order: [Int], labelledIds: [String]) {
        let labelledIds = images.map { LabelValues.identifier($0.imageId) }
        let order = labelledIds.indices.sorted { labelledIds[$0] != labelledIds[$1] ? labelledIds[$0] < labelledIds[$1] : $0 < $1 }
        return (order, labelledIds)
    }
}
