import Support

/// Credentials of the EC2 instance's role, from IMDSv2 (or IMDSv1 when the token
/// request fails as `InstanceMetadataClient` says). Not being on EC2 (no answer)
/// counts as "not configured"; an answer that is an error does not.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    let client: InstanceMetadataClient

    public init(client: InstanceMetadataClient) {
        self.client = client
    }

    public var name: String { "EC2 instance metadata (\(client.endpoint))" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        guard !client.disabled else { return nil }
        do {
            let token = try await client.token()
            let roles = try await client.get("/latest/meta-data/iam/security-credentials/", token: token)
            guard let role = roles.split(whereSeparator: \.isNewline).first.map({ $0.trimmingWhitespace() }), !role.isEmpty else {
                throw AWSClientError.credentials(source: name, reason: "the instance has no IAM role attached")
            }
            let json = try await client.get("/latest/meta-data/iam/security-credentials/\(role)", token: token)
            return try MetadataCredentials.decode(Array(json.utf8), source: name).from(CredentialMethod.instanceMetadata)
        } catch let failure as InstanceMetadataClient.Failure {
            switch failure {
            case .unreachable: return nil
            case let .refused(reason): throw .credentials(source: name, reason: reason)
            }
        } catch let error as AWSClientError {
            throw error
        } catch {
            throw .credentials(source: name, reason: "\(error)")
        }
    }
}
