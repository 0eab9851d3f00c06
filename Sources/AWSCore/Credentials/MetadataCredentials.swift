import Support

/// The credentials JSON that ECS/EKS container endpoints and EC2 instance
/// metadata return (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`,
/// and `Code`/`Message` when they refuse).
package enum MetadataCredentials {
    package static func decode(_ bytes: [UInt8], source: String) throws(AWSClientError) -> AWSCredentials {
        var code: String?, message: String?, key: String?, secret: String?, token: String?, expiration: String?
        var reader = JSONReader(bytes)
        do {
            try reader.object { reader, member throws(JSONReader.Failure) in
                guard reader.peek() == UInt8(ascii: "\"") else { try reader.skip(); return }
                switch member {
                case "Code": code = try reader.string()
                case "Message": message = try reader.string()
                case "AccessKeyId": key = try reader.string()
                case "SecretAccessKey": secret = try reader.string()
                case "Token": token = try reader.string()
                case "Expiration": expiration = try reader.string()
                default: try reader.skip()
                }
            }
            try reader.end()
        } catch {
            throw .credentials(source: source, reason: "the answer is not credentials JSON")
        }
        if let code, code != "Success" {
            throw .credentials(source: source, reason: "\(code.bounded(maxBytes: 64)): \((message ?? "no message").bounded(maxBytes: 256))")
        }
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw .credentials(source: source, reason: "the answer has no AccessKeyId or SecretAccessKey")
        }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: expiration.flatMap(ISO8601.parse))
    }
}
