/// Fixed credentials, such as a profile's keys.
public struct StaticCredentialProvider: CredentialProvider {
    let value: AWSCredentials
    public let name: String

    public init(_ credentials: AWSCredentials, name: String = "static") {
        self.value = credentials
        self.name = name
    }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? { value }
}
