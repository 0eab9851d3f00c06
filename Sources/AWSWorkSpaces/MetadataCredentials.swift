import Foundation

/// The credentials JSON that ECS/EKS container endpoints and EC2 instance
/// metadata return (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`).
struct MetadataCredentials: Decodable {
    let Code: String?
    let Message: String?
    let AccessKeyId: String?
    let SecretAccessKey: String?
    let Token: String?
    let Expiration: String?

    static func decode(_ bytes: [UInt8], source: String) throws(AWSClientError) -> AWSCredentials {
        let parsed: MetadataCredentials
        do {
            parsed = try JSONDecoder().decode(MetadataCredentials.self, from: Data(bytes))
        } catch {
            throw .credentials(source: source, reason: "the answer is not credentials JSON")
        }
        if let code = parsed.Code, code != "Success" {
            throw .credentials(source: source, reason: "\(code): \(parsed.Message ?? "no message")")
        }
        guard let key = parsed.AccessKeyId, let secret = parsed.SecretAccessKey else {
            throw .credentials(source: source, reason: "the answer has no AccessKeyId or SecretAccessKey")
        }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: parsed.Token, expiration: parsed.Expiration.flatMap(ISO8601.parse))
    }
}
