public import HTTPClient
public import Logging

/// The STS calls credentials and accounts need, over the query protocol:
/// `AssumeRole` (signed with the source credentials),
/// `AssumeRoleWithWebIdentity` (unsigned: the token is the proof) and
/// `GetCallerIdentity` (which needs no IAM permission).
public struct STSClient: Sendable {
    public let endpoint: Endpoint
    public let region: String
    let http: HTTPClient
    let timeout: Duration
    let retryPolicy: RetryPolicy
    let observer: any APIObserver
    let logger: Logger

    public init(
        region: String, endpoint: Endpoint, httpClient: HTTPClient, timeout: Duration = .seconds(10),
        retryPolicy: RetryPolicy = RetryPolicy(), observer: any APIObserver = NoAPIObserver(), logger: Logger = Logger(label: "aws")
    ) {
        self.region = region
        self.endpoint = endpoint
        self.http = httpClient
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.observer = observer
        self.logger = logger
    }

    /// Parameters shared by both role calls.
    public struct RoleRequest: Sendable, Hashable {
        public var roleArn: String
        public var sessionName: String
        public var externalId: String?
        public var durationSeconds: Int?

        public init(roleArn: String, sessionName: String, externalId: String? = nil, durationSeconds: Int? = nil) {
            self.roleArn = roleArn
            self.sessionName = sessionName
            self.externalId = externalId
            self.durationSeconds = durationSeconds
        }
    }

    public func assumeRole(_ role: RoleRequest, using credentials: AWSCredentials) async throws(AWSClientError) -> AWSCredentials {
        var parameters = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", role.roleArn), ("RoleSessionName", role.sessionName)]
        if let externalId = role.externalId { parameters.append(("ExternalId", externalId)) }
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        return try await roleCredentials(parameters, signWith: credentials, role: role.roleArn, source: "AssumeRole \(role.roleArn)")
    }

    public func assumeRoleWithWebIdentity(_ role: RoleRequest, token: String) async throws(AWSClientError) -> AWSCredentials {
        var parameters = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role.roleArn),
            ("RoleSessionName", role.sessionName), ("WebIdentityToken", token),
        ]
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        return try await roleCredentials(parameters, signWith: nil, role: role.roleArn, source: "AssumeRoleWithWebIdentity \(role.roleArn)")
    }

    /// The account the credentials belong to.
    public func callerAccount(using credentials: any CredentialProvider, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> String {
        let body = try await call([("Action", "GetCallerIdentity"), ("Version", "2011-06-15")], credentials: credentials, context: nil, deadline: deadline)
        guard let account = Self.account(fromAnswer: String(decoding: body, as: UTF8.self)) else {
            throw .invalidResponse("the GetCallerIdentity answer has no 12-digit Account")
        }
        return account
    }

    /// The `Account` of a `GetCallerIdentity` answer, when it is 12 digits.
    package static func account(fromAnswer text: String) -> String? {
        guard let account = XMLReader.parse(Array(text.utf8))?.find("GetCallerIdentityResult", "Account")?.text,
              AccountID.isValid(account) else { return nil }
        return account
    }

    func roleCredentials(_ parameters: [(String, String)], signWith credentials: AWSCredentials?, role: String, source: String) async throws(AWSClientError) -> AWSCredentials {
        let context = APIContext(accountId: AccountID.fromARN(role) ?? "unknown", region: region)
        let body: [UInt8]
        do {
            body = try await call(parameters, credentials: credentials.map { StaticCredentialProvider($0, name: "source credentials") }, context: context, deadline: nil)
        } catch {
            switch error {
            case let .service(code, message, _):
                throw .credentials(source: source, reason: "STS refused: \(code): \(message)", refused: error.isRefusal)
            case .credentials: throw error
            default: throw .credentials(source: source, reason: "STS at \(endpoint) did not answer: \(error.message)")
            }
        }
        return try Self.credentials(fromAnswer: String(decoding: body, as: UTF8.self), source: source)
    }

    /// The `Credentials` of an `AssumeRole` or `AssumeRoleWithWebIdentity` answer.
    package static func credentials(fromAnswer text: String, source: String) throws(AWSClientError) -> AWSCredentials {
        // <AssumeRoleResponse><AssumeRoleResult><Credentials>…, or the same for AssumeRoleWithWebIdentity.
        guard let root = XMLReader.parse(Array(text.utf8)) else {
            throw .credentials(source: source, reason: "the STS answer is not well-formed XML")
        }
        let result = root.children.first { $0.name.hasSuffix("Result") }
        guard let credentials = result?.child("Credentials"),
              let key = credentials.child("AccessKeyId")?.text, !key.isEmpty,
              let secret = credentials.child("SecretAccessKey")?.text, !secret.isEmpty,
              let token = credentials.child("SessionToken")?.text, !token.isEmpty else {
            throw .credentials(source: source, reason: "STS answer has no Credentials element")
        }
        let expiration = credentials.child("Expiration").flatMap { ISO8601.parse($0.text) }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }

    /// One query-protocol call; the 2xx body.
    func call(_ parameters: [(String, String)], credentials: (any CredentialProvider)?, context: APIContext?, deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        let operation = parameters.first?.1 ?? "STS"
        let body = Array(parameters.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&").utf8)
        let sender = AWSRequestSender(
            service: "sts", region: region, endpoint: endpoint, context: context ?? APIContext(accountId: "unknown", region: region),
            credentials: credentials, http: http, retryPolicy: retryPolicy, observer: context == nil ? NoAPIObserver() : observer,
            requestTimeout: timeout, maxBodyBytes: 1 << 20, logger: logger)
        return try await sender.send(
            operation: operation, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body, deadline: deadline)
    }
}
