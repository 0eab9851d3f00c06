public import HTTPClient
import Support

/// The two IAM Identity Center calls an SSO profile needs, both unsigned:
/// the portal's `GetRoleCredentials` (the access token in the
/// `x-amz-sso_bearer_token` header) and the OIDC service's `CreateToken`
/// with a refresh token. Endpoints as botocore's rules build them,
/// `portal.sso.REGION.amazonaws.com` and `oidc.REGION.amazonaws.com`
/// (`-fips` after the service with FIPS, the partition's dual-stack suffix
/// with dual-stack), or `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_SSO_OIDC`, else
/// `AWS_ENDPOINT_URL`, as botocore applies them. Answers are
/// untrusted: bounded, checked, and never echoed with their secrets.
/// Throttling, server errors and transport failures are retried as the
/// SDKs' standard mode retries them (``RetryPolicy``, with a retry quota of
/// the client's own, as botocore's nested client has), up to `maxAttempts`.
public struct SSOClient: Sendable {
    public let region: String
    let portal: String
    let oidc: String
    let http: HTTPClient
    let timeout: Duration
    let retryPolicy: RetryPolicy

    public init(
        region: String, environment: Environment, http: HTTPClient, useFIPS: Bool = false, useDualStack: Bool = false,
        timeout: Duration = .seconds(10), maxAttempts: Int = 3
    ) throws(AWSClientError) {
        guard Endpoint.isValidRegion(region) else {
            throw .invalidEndpoint("sso_region \"\(region.bounded(maxBytes: 64))\" is not a valid region name")
        }
        let partition = Partition.of(region)
        let suffix = useDualStack ? partition.dualStackSuffix : partition.dnsSuffix
        let fips = useFIPS ? "-fips" : ""
        self.region = region
        // As botocore: the service's own variable, then AWS_ENDPOINT_URL, then the modelled host.
        func configured(_ variable: String) -> String? {
            [environment[variable], environment["AWS_ENDPOINT_URL"]].compactMap { $0 }.first { !$0.isEmpty }
        }
        portal = try Endpoint(url: configured("AWS_ENDPOINT_URL_SSO") ?? "https://portal.sso\(fips).\(region).\(suffix)").url
        oidc = try Endpoint(url: configured("AWS_ENDPOINT_URL_SSO_OIDC") ?? "https://oidc\(fips).\(region).\(suffix)").url
        self.http = http
        self.timeout = timeout
        retryPolicy = RetryPolicy(mode: .standard, maxAttempts: maxAttempts)
    }

    /// `GetRoleCredentials`: the role's temporary credentials.
    public func roleCredentials(accessToken: String, accountId: String, roleName: String) async throws(AWSClientError) -> AWSCredentials {
        let query = "role_name=\(SigV4Signer.uriEncode(roleName))&account_id=\(SigV4Signer.uriEncode(accountId))"
        let body = try await call(HTTPClientRequest(
            method: "GET", url: Self.join(portal, "federation/credentials?\(query)"),
            headers: [("x-amz-sso_bearer_token", accessToken)], body: [], timeout: timeout, maxResponseBytes: 64 << 10))
        return try Self.decodeRoleCredentials(body)
    }

    /// What `CreateToken` answers: a new access token, how long it lasts, and
    /// perhaps a new refresh token.
    public struct NewToken: Sendable, Equatable {
        public var accessToken: String
        public var expiresIn: Int
        public var refreshToken: String?
    }

    /// `CreateToken` with the `refresh_token` grant.
    public func refresh(clientId: String, clientSecret: String, refreshToken: String) async throws(AWSClientError) -> NewToken {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("clientId", clientId)
        writer.member("clientSecret", clientSecret)
        writer.member("grantType", "refresh_token")
        writer.member("refreshToken", refreshToken)
        writer.endObject()
        let body = try await call(HTTPClientRequest(
            method: "POST", url: Self.join(oidc, "token"), headers: [("Content-Type", "application/json")], body: writer.bytes,
            timeout: timeout, maxResponseBytes: 64 << 10))
        return try Self.decodeNewToken(body)
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// The request's 2xx body, retried while the failure may pass and attempts remain.
    func call(_ request: HTTPClientRequest) async throws(AWSClientError) -> [UInt8] {
        var attempt = 0
        while true {
            attempt += 1
            do throws(AWSClientError) {
                let body = try await callOnce(request)
                retryPolicy.quota.release()
                return body
            } catch {
                guard let (_, delay) = retryPolicy.retry(after: error, attempt: attempt, deadline: nil) else { throw error }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .cancelled("the IAM Identity Center request was cancelled while waiting to retry")
                }
            }
        }
    }

    func callOnce(_ request: HTTPClientRequest) async throws(AWSClientError) -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            switch error {
            case let .timedOut(detail): throw .transport("timed out: \(detail)", timedOut: true)
            case .cancelled, .shutDown: throw .cancelled("the IAM Identity Center request was cancelled")
            case let .tooLarge(limit): throw .invalidResponse("IAM Identity Center answer larger than \(limit) bytes")
            case let .transport(detail): throw .transport(detail)
            }
        }
        guard (200..<300).contains(response.status) else {
            throw AWSErrorParser.parse(status: response.status, errorTypeHeader: response.header("x-amzn-ErrorType"), body: response.body)
        }
        return response.body
    }

    /// `{"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration" (ms)}}`.
    public static func decodeRoleCredentials(_ bytes: [UInt8]) throws(AWSClientError) -> AWSCredentials {
        var key: String?, secret: String?, token: String?, expiration: Double?
        var reader = JSONReader(bytes)
        do {
            try reader.object { reader, member throws(JSONReader.Failure) in
                guard member == "roleCredentials" else { try reader.skip(); return }
                try reader.object { reader, member throws(JSONReader.Failure) in
                    switch member {
                    case "accessKeyId": key = try reader.optionalString()
                    case "secretAccessKey": secret = try reader.optionalString()
                    case "sessionToken": token = try reader.optionalString()
                    case "expiration": expiration = try reader.null() ? nil : try reader.number()
                    default: try reader.skip()
                    }
                }
            }
            try reader.end()
        } catch {
            throw .invalidResponse("GetRoleCredentials answer is not the expected JSON: \(error)")
        }
        guard let key, !key.isEmpty, let secret, !secret.isEmpty, let token, !token.isEmpty else {
            throw .invalidResponse("GetRoleCredentials answer has no accessKeyId, secretAccessKey or sessionToken")
        }
        // Milliseconds since 1970; anything not a plausible time is dropped
        // (the credentials are then refreshed as soon as the cache allows).
        let seconds = expiration.flatMap { $0.isFinite && $0 > 0 && $0 < 253_402_300_799_000 ? $0 / 1000 : nil }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: seconds, method: CredentialMethod.sso)
    }

    /// `{"accessToken", "expiresIn", "refreshToken", "tokenType"}`.
    public static func decodeNewToken(_ bytes: [UInt8]) throws(AWSClientError) -> NewToken {
        var accessToken: String?, expiresIn: Double?, refreshToken: String?
        var reader = JSONReader(bytes)
        do {
            try reader.object { reader, member throws(JSONReader.Failure) in
                switch member {
                case "accessToken": accessToken = try reader.optionalString()
                case "expiresIn": expiresIn = try reader.null() ? nil : try reader.number()
                case "refreshToken": refreshToken = try reader.optionalString()
                default: try reader.skip()
                }
            }
            try reader.end()
        } catch {
            throw .invalidResponse("CreateToken answer is not the expected JSON: \(error)")
        }
        guard let accessToken, !accessToken.isEmpty else { throw .invalidResponse("CreateToken answer has no accessToken") }
        // Checked: a lifetime from 1 second to a year, whole seconds.
        guard let expiresIn, expiresIn.isFinite, expiresIn >= 1, expiresIn <= 366 * 86_400 else {
            throw .invalidResponse("CreateToken answer's expiresIn is missing or not a number of seconds up to a year")
        }
        return NewToken(accessToken: accessToken, expiresIn: Int(expiresIn), refreshToken: refreshToken?.isEmpty == false ? refreshToken : nil)
    }
}
