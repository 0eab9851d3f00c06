public import HTTPClient
import Support

/// EC2 instance metadata: IMDSv2 (a `PUT` for a session token, then `GET`s
/// with it), falling back to IMDSv1 (`GET`s without a token) as botocore does
/// when the token request gets anything but a token or 400, or is not answered
/// in time, the latter being what a container behind a hop limit of 1 sees.
/// `ec2_metadata_v1_disabled` forbids the fallback. Short timeouts: off EC2
/// the address does not answer at all. ``InstanceMetadataSettings`` has where
/// it is (IPv4 or IPv6), the timeout and the attempts, as botocore reads them.
public struct InstanceMetadataClient: Sendable {
    public let endpoint: String
    public let disabled: Bool
    /// No IMDSv1 fallback (`AWS_EC2_METADATA_V1_DISABLED`).
    public let v1Disabled: Bool
    let httpClient: HTTPClient
    let timeout: Duration
    let attempts: Int

    public init(settings: InstanceMetadataSettings, httpClient: HTTPClient) {
        self.endpoint = settings.endpoint
        self.disabled = settings.disabled
        self.v1Disabled = settings.v1Disabled
        self.httpClient = httpClient
        self.timeout = settings.timeout
        self.attempts = settings.attempts
    }

    /// Settings from the environment and the selected profile. A setting
    /// botocore would refuse falls back to its default here: start-up checks
    /// them first (``AWSSettings/load(environment:)``) and stops on an error.
    public init(environment: Environment, httpClient: HTTPClient) {
        self.init(settings: (try? InstanceMetadataSettings.resolve(environment: environment)) ?? InstanceMetadataSettings(), httpClient: httpClient)
    }

    /// Why a metadata call failed: unreachable (not on EC2; `timedOut` when
    /// nothing answered in time rather than a refused connection) or an answer
    /// that is an error.
    enum Failure: Error {
        case unreachable(String, timedOut: Bool)
        case refused(String)
    }

    /// An IMDSv2 session token, or nil to go on with IMDSv1.
    func token() async throws(Failure) -> String? {
        let status: Int, body: String
        do throws(Failure) {
            // A token that does not come in time will not come on a retry
            // either (its answer is dropped on the way): go on at once.
            (status, body) = try await call("/latest/api/token", method: "PUT", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], retryTimeouts: false)
        } catch .unreachable(let reason, timedOut: true) {
            return try v1Fallback(otherwise: .unreachable(reason, timedOut: true))
        }
        let token = body.trimmingWhitespaceAndNewlines()
        switch status {
        case 200 where !token.isEmpty:
            return token
        case 400:
            throw .refused("token request answered HTTP 400")
        default:
            let answer = status == 200 ? "an empty token" : "HTTP \(status)"
            return try v1Fallback(otherwise: .refused("token request answered \(answer), and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)"))
        }
    }

    /// nil (go on with IMDSv1), unless IMDSv1 is disabled: then `failure`.
    private func v1Fallback(otherwise failure: Failure) throws(Failure) -> String? {
        if v1Disabled { throw failure }
        return nil
    }

    /// A `GET`, with the token when there is one (IMDSv1 without).
    func get(_ path: String, token: String?) async throws(Failure) -> String {
        let headers: [(name: String, value: String)] = token.map { [("X-aws-ec2-metadata-token", $0)] } ?? []
        let (status, body) = try await call(path, method: "GET", headers: headers)
        guard status == 200 else {
            let version = token == nil ? " (IMDSv1, after the token request failed)" : ""
            throw .refused("GET \(path) answered HTTP \(status)\(version)")
        }
        return body
    }

    /// The instance's region, for region resolution; nil off EC2.
    public func region() async -> String? {
        guard !disabled else { return nil }
        do {
            let token = try await token()
            return try await get("/latest/meta-data/placement/region", token: token).trimmingWhitespaceAndNewlines()
        } catch {
            return nil
        }
    }

    func call(_ path: String, method: String, headers: [(name: String, value: String)], retryTimeouts: Bool = true) async throws(Failure) -> (Int, String) {
        let request = HTTPClientRequest(method: method, url: endpoint + path, headers: headers, timeout: timeout, maxResponseBytes: 64 << 10)
        var lastError = "", timedOut = false
        for _ in 0..<attempts {
            do {
                let response = try await httpClient.execute(request)
                return (response.status, String(decoding: response.body, as: UTF8.self))
            } catch {
                lastError = "\(error)"
                if case .timedOut = error { timedOut = true } else { timedOut = false }
                if timedOut, !retryTimeouts { break }
            }
        }
        throw .unreachable(lastError, timedOut: timedOut)
    }
}
