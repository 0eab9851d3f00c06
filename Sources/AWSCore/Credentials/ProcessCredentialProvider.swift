import Support

/// Credentials printed by an external command (`credential_process` in a
/// profile), as JSON `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …,
/// "SessionToken": …, "Expiration": …}`. Its standard output is never logged.
///
/// The command runs in a process group of its own, off Swift's cooperative
/// pool; at `timeout` the whole group is killed.
public struct ProcessCredentialProvider: CredentialProvider {
    public let command: String
    public let timeout: Duration

    public init(command: String, timeout: Duration = .seconds(30)) {
        self.command = command
        self.timeout = timeout
    }

    public var name: String { "credential_process" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        let outcome: HelperProcess.Outcome
        switch await HelperProcess.run(command, timeout: timeout) {
        case let .success(value): outcome = value
        case let .failure(failure): throw .credentials(source: name, reason: failure.reason)
        }
        if outcome.timedOut {
            throw .credentials(source: name, reason: "the command did not finish within \(timeout); its process group was killed")
        }
        guard outcome.status == 0 else {
            let firstLine = String(decoding: outcome.stderr.prefix(500), as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw .credentials(source: name, reason: "the command exited with status \(outcome.status): \(firstLine.bounded(maxBytes: 200))")
        }
        return try Self.parse(outcome.stdout, source: name).from(CredentialMethod.process)
    }

    /// The `credential_process` JSON, version 1.
    package static func parse(_ bytes: [UInt8], source: String) throws(AWSClientError) -> AWSCredentials {
        var version: Double?, key: String?, secret: String?, token: String?, expirationText: String?
        var reader = JSONReader(bytes)
        do {
            try reader.object { reader, member throws(JSONReader.Failure) in
                switch member {
                case "Version": version = try reader.null() ? nil : reader.number()
                case "AccessKeyId": key = try reader.optionalString()
                case "SecretAccessKey": secret = try reader.optionalString()
                case "SessionToken": token = try reader.optionalString()
                case "Expiration": expirationText = try reader.optionalString()
                default: try reader.skip()
                }
            }
            try reader.end()
        } catch {
            throw .credentials(source: source, reason: "the command's output is not the credential_process JSON (Version, AccessKeyId, SecretAccessKey)")
        }
        guard let version else { throw .credentials(source: source, reason: "the command's output has no Version") }
        guard version == 1 else { throw .credentials(source: source, reason: "unsupported Version \(version) in the command's output; expected 1") }
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw .credentials(source: source, reason: "the command's output has no AccessKeyId or SecretAccessKey")
        }
        var expiration: Double? = nil
        if let expirationText {
            guard let value = ISO8601.parse(expirationText) else {
                throw .credentials(source: source, reason: "Expiration \"\(expirationText.bounded(maxBytes: 64))\" is not an ISO 8601 timestamp")
            }
            expiration = value
        }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}
