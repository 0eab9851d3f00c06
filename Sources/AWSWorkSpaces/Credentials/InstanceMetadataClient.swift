public import HTTPClient
import Support

/// EC2 instance metadata over IMDSv2: a `PUT` for a session token, then `GET`s
/// with it. Short timeouts: off EC2 the address does not answer at all.
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it; `AWS_EC2_METADATA_DISABLED=true`
/// turns it off; `AWS_METADATA_SERVICE_TIMEOUT` (seconds, default 1) and
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (default 1) tune it, as in botocore.
public struct InstanceMetadataClient: Sendable {
    public let endpoint: String
    public let disabled: Bool
    let httpClient: HTTPClient
    let timeout: Duration
    let attempts: Int

    public init(environment: Environment, httpClient: HTTPClient) {
        var endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        self.disabled = environment.flag("AWS_EC2_METADATA_DISABLED")
        self.httpClient = httpClient
        let seconds = environment["AWS_METADATA_SERVICE_TIMEOUT"].flatMap(Double.init).map { min(max(0.1, $0), 3600) } ?? 1
        self.timeout = .milliseconds(Int64(seconds * 1000))
        self.attempts = min(max(1, environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap(Int.init) ?? 1), 10)
    }

    /// Why a metadata call failed: unreachable (not on EC2) or an answer that is an error.
    enum Failure: Error {
        case unreachable(String)
        case refused(String)
    }

    func token() async throws(Failure) -> String {
        let (status, body) = try await call("/latest/api/token", method: "PUT", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
        let token = body.trimmingWhitespaceAndNewlines()
        guard status == 200, !token.isEmpty else { throw .refused("token request answered HTTP \(status)") }
        return token
    }

    func get(_ path: String, token: String) async throws(Failure) -> String {
        let (status, body) = try await call(path, method: "GET", headers: [("X-aws-ec2-metadata-token", token)])
        guard status == 200 else { throw .refused("GET \(path) answered HTTP \(status)") }
        return body
    }

    /// The instance's region, for region resolution; nil off EC2.
    public func region() async -> String? {
        guard !disabled, let token = try? await token() else { return nil }
        return try? await get("/latest/meta-data/placement/region", token: token).trimmingWhitespaceAndNewlines()
    }

    func call(_ path: String, method: String, headers: [(name: String, value: String)]) async throws(Failure) -> (Int, String) {
        let request = HTTPClientRequest(method: method, url: endpoint + path, headers: headers, timeout: timeout, maxResponseBytes: 64 << 10)
        var lastError = ""
        for _ in 0..<attempts {
            do {
                let response = try await httpClient.execute(request)
                return (response.status, String(decoding: response.body, as: UTF8.self))
            } catch {
                lastError = "\(error)"
            }
        }
        throw .unreachable(lastError)
    }
}
