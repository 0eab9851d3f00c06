import Support

/// Finds the regions to collect the way the SDKs find theirs: the flag, then
/// `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then EC2
/// instance metadata.
public enum RegionResolver {
    public static func resolve(flag: [String], environment: Environment, instanceMetadata: InstanceMetadataClient?) async throws(AWSClientError) -> [String] {
        let regions = try await find(flag: flag, environment: environment, instanceMetadata: instanceMetadata)
        // Each becomes part of a host name: refused unless a DNS label, as botocore does.
        if let bad = regions.first(where: { !Endpoint.isValidRegion($0) }) {
            throw .configuration("region \"\(bad.bounded(maxBytes: 64))\" is not a valid region name (letters, digits and hyphens)")
        }
        return regions
    }

    static func find(flag: [String], environment: Environment, instanceMetadata: InstanceMetadataClient?) async throws(AWSClientError) -> [String] {
        var seen: Set<String> = []
        let fromFlag = flag.filter { !$0.isEmpty && seen.insert($0).inserted }
        if !fromFlag.isEmpty { return fromFlag }
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable] { return [value] }
        }
        let shared = SharedConfiguration(environment: environment)
        if let region = shared.region() { return [region] }
        if let instanceMetadata, let region = await instanceMetadata.region(), !region.isEmpty { return [region] }
        throw .configuration(
            "no AWS region found; set one of: --aws.region, AWS_REGION, AWS_DEFAULT_REGION, region in profile \"\(shared.profile)\" of \(shared.configPath), or run on EC2 (instance metadata)")
    }
}
