public import Support

/// A set of AWS credentials. Its description never shows the secret or token.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public let accessKeyId: String
    public let secretAccessKey: String
    public let sessionToken: String?
    /// When temporary credentials stop working, in Unix seconds; nil for long-term keys.
    public let expiration: Double?
    /// For long-term keys read from files: the files as they were read, so
    /// that a change to them (rotated keys) makes the cache read them again.
    public let fileStamp: FileStamp?
    /// Which provider of the chain produced them, in botocore's words (`env`,
    /// `assume-role`, `shared-credentials-file`, `iam-role`, …); see ``CredentialMethod``.
    public let method: String

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Double? = nil,
        fileStamp: FileStamp? = nil, method: String = CredentialMethod.explicit
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.fileStamp = fileStamp
        self.method = method
    }

    /// The same keys, stamped with the files they came from.
    public func stamped(_ stamp: FileStamp) -> AWSCredentials {
        AWSCredentials(
            accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken, expiration: expiration,
            fileStamp: stamp, method: method)
    }

    /// The same keys, as produced by `method`.
    public func from(_ method: String) -> AWSCredentials {
        AWSCredentials(
            accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken, expiration: expiration,
            fileStamp: fileStamp, method: method)
    }

    /// The access key id as the AWS CLI shows it (`aws configure list`): its last four characters.
    public var maskedAccessKeyId: String {
        String(repeating: "*", count: 16) + String(accessKeyId.suffix(4))
    }

    public var description: String {
        "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>, sessionToken: \(sessionToken == nil ? "none" : "<redacted>"))"
    }
}
