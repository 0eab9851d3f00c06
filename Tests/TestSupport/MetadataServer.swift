import Foundation
public import HTTPServer
import Synchronization

/// A faithful stand-in, on loopback, for the two metadata endpoints AWS
/// provides: EC2's IMDSv2 (token `PUT`, then `GET`s with the token) and the
/// ECS/EKS container credentials endpoint (a `GET` with an Authorization
/// token). Credentials it hands out expire after `lifetime`.
public final class MetadataServer: HTTPHandler {
    /// How the instance metadata service treats the token request.
    public enum IMDS: Sendable {
        /// IMDSv2 required (HttpTokens=required): `GET`s without the token get 401.
        case v2Required
        /// IMDSv1 only: the token request gets this status (403, 404 or 405:
        /// an old service, or a proxy in the way), `GET`s need no token.
        case v1Only(tokenStatus: Int)
        /// The token's answer never arrives (a container behind a hop limit of
        /// 1); `GET`s without a token are answered (HttpTokens=optional).
        case tokenUnanswered
    }

    let role = "exporter-role"
    let imdsToken = "imds-session-token"
    let containerToken: String?
    let lifetime: Double
    let region: String
    let imds: IMDS
    private let counters = Mutex<[String: Int]>([:])

    init(lifetime: Double = 3600, containerToken: String? = "container-secret-token", region: String = "eu-central-1", imds: IMDS = .v2Required) {
        self.lifetime = lifetime
        self.containerToken = containerToken
        self.region = region
        self.imds = imds
    }

    /// - Parameter host: the loopback address to listen on (`::1` for IPv6).
    public static func start(lifetime: Double = 3600, containerToken: String? = "container-secret-token", imds: IMDS = .v2Required, host: String = "127.0.0.1") throws -> (MetadataServer, RunningServer) {
        let handler = MetadataServer(lifetime: lifetime, containerToken: containerToken, imds: imds)
        var configuration = HTTPServer.Configuration.loopback()
        configuration.listeners = [.address(ListenAddress(host: host, port: 0))]
        return (handler, try RunningServer(configuration: configuration, handler: handler))
    }

    public func count(_ path: String) -> Int { counters.withLock { $0[path] ?? 0 } }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        counters.withLock { $0[request.path, default: 0] += 1 }
        switch request.path {
        case "/latest/api/token":
            switch imds {
            case let .v1Only(status): return .text(status, "")
            case .tokenUnanswered:
                try? await Task.sleep(for: .seconds(5))
                return .text(503, "")
            case .v2Required: break
            }
            guard request.method == "PUT" else { return .text(405, "") }
            guard request.header("X-aws-ec2-metadata-token-ttl-seconds") != nil else { return .text(400, "missing TTL") }
            return plain(imdsToken)
        case let path where path.hasPrefix("/latest/meta-data/"):
            let token = request.header("X-aws-ec2-metadata-token")
            if case .v2Required = imds {
                guard token == imdsToken else { return .text(401, "") }
            } else {
                guard token == nil else { return .text(401, "") }
            }
            switch path {
            case "/latest/meta-data/iam/security-credentials/": return plain(role)
            case "/latest/meta-data/iam/security-credentials/\(role)": return json(credentialsJSON(prefix: "IMDS", withCode: true))
            case "/latest/meta-data/placement/region": return plain(region)
            default: return .text(404, "")
            }
        case "/container/credentials":
            guard request.header("Authorization") == containerToken else {
                return json(#"{"code":"AccessDenied","message":"bad token"}"#, status: 403)
            }
            return json(credentialsJSON(prefix: "CONTAINER", withCode: false))
        default:
            return .text(404, "")
        }
    }

    func credentialsJSON(prefix: String, withCode: Bool) -> String {
        let number = counters.withLock { $0.values.reduce(0, +) }
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(lifetime))
        return """
        {\(withCode ? #""Code":"Success","Type":"AWS-HMAC","# : "")"AccessKeyId":"\(prefix)KEY\(number)","SecretAccessKey":"\(prefix)SECRET","Token":"\(prefix)TOKEN","Expiration":"\(expiration)"}
        """
    }

    /// Plain text without a trailing newline, as IMDS answers.
    func plain(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(text.utf8))
    }

    func json(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }
}
