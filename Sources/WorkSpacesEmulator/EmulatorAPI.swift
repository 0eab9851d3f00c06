import AWSCore
import AWSWorkSpaces
import Foundation
import Support
import Synchronization

/// The emulated WorkSpaces and STS APIs: request in, reply out, no I/O.
///
/// Requests must be SigV4-signed with a key it knows (an account's long-term
/// key, or temporary credentials its `AssumeRole` handed out) and within five
/// minutes of its clock, as AWS checks them; answers carry a `Date` header.
public final class EmulatorAPI: Sendable {
    public let configuration: EmulatorConfiguration
    let accounts: [String: EmulatedAccount]
    private let sessions = Locked<[String: Session]>([:])
    private let counts = Locked<[String: Int]>([:])
    /// `throttleRate`'s buckets by account and region: tokens and when last filled.
    private let buckets = Locked<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    /// Temporary credentials from `AssumeRole`.
    struct Session {
        let account: String
        let secret: String
        let token: String
        /// Sessions handed out before this one.
        let index: Int
    }

    /// Who signed a request.
    struct Caller {
        let account: String
        let region: String
    }

    /// Seconds a signature's time may be off the emulator's clock.
    static let allowedSkew: Double = 300

    public init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        self.accounts = Dictionary(configuration.accounts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Requests per operation so far.
    public var operationCounts: [String: Int] { counts.withLock { $0 } }

    /// The emulator's clock, in Unix seconds.
    var now: Double { Date().timeIntervalSince1970 + configuration.clockOffset }

    public func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> EmulatorReply {
        let reply = route(method: method, headers: headers, body: body)
        return reply.with(header: ("Date", Self.httpDate(now)))
    }

    private func route(method: String, headers: [String: String], body: [UInt8]) -> EmulatorReply {
        guard method == "POST" else {
            return .respond(status: 405, headers: [("Content-Type", "text/plain")], body: Array("only POST\n".utf8))
        }
        if let target = headers["x-amz-target"], target.hasPrefix("AWSOrganizationsV20161128.") {
            let operation = String(target.dropFirst("AWSOrganizationsV20161128.".count))
            count(operation)
            switch verify(headers: headers, body: body, service: "organizations") {
            case let .success(caller): return OrganizationsOperations(api: self).handle(operation: operation, caller: caller, body: body)
            case let .failure(refusal): return refusal.json
            }
        }
        if let target = headers["x-amz-target"] {
            let prefix = "WorkspacesService."
            let operation = target.hasPrefix(prefix) ? String(target.dropFirst(prefix.count)) : target
            count(operation)
            let caller: Caller
            switch verify(headers: headers, body: body, service: "workspaces") {
            case let .success(value): caller = value
            case let .failure(refusal): return refusal.json
            }
            if !withinRate(caller) {
                count("Throttled")
                return .awsError(400, code: "ThrottlingException", message: "Rate exceeded")
            }
            return WorkSpacesOperations(api: self).handle(operation: operation, caller: caller, body: body)
        }
        let parameters = Self.formParameters(body)
        let action = parameters["Action"] ?? ""
        count(action.isEmpty ? "STS" : action)
        if action == "AssumeRoleWithWebIdentity" {
            return STSOperations(api: self).assumeRoleWithWebIdentity(parameters)
        }
        let iam = action == "ListAccountAliases"
        let caller: Caller
        switch verify(headers: headers, body: body, service: iam ? "iam" : "sts") {
        case let .success(value): caller = value
        case let .failure(refusal): return refusal.xml
        }
        if iam {
            // IAM's one call the exporter makes (the account-alias collector): every account's alias is "alias-ACCOUNT".
            return .xml(200, """
                <ListAccountAliasesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccountAliasesResult>\
                <AccountAliases><member>alias-\(caller.account)</member></AccountAliases><IsTruncated>false</IsTruncated>\
                </ListAccountAliasesResult><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></ListAccountAliasesResponse>
                """)
        }
        return STSOperations(api: self).handle(action: action, parameters: parameters, caller: caller)
    }

    /// Takes a token of the caller's bucket; false when `throttleRate` is passed.
    private func withinRate(_ caller: Caller) -> Bool {
        guard let rate = configuration.throttleRate, rate > 0 else { return true }
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            let key = "\(caller.account)/\(caller.region)"
            var bucket = buckets[key] ?? (tokens: max(1, rate), at: now)
            bucket.tokens = min(max(1, rate), bucket.tokens + bucket.at.duration(to: now) / .seconds(1) * rate)
            bucket.at = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            return allowed
        }
    }

    private func count(_ operation: String) {
        counts.withLock { $0[operation, default: 0] += 1 }
    }

    /// How many requests of `operation` came so far (this one included).
    func number(of operation: String) -> Int {
        counts.withLock { $0[operation] ?? 0 }
    }

    // MARK: Signatures

    /// Why a signature was refused, in both protocols' words.
    struct Refusal: Error {
        let status: Int
        let jsonCode: String
        let xmlCode: String
        let message: String

        var json: EmulatorReply { .awsError(status, code: jsonCode, message: message) }
        var xml: EmulatorReply { .queryError(status, code: xmlCode, message: message) }
    }

    /// Checks the SigV4 signature as AWS does: a known key, the right
    /// secret, the session token of temporary keys, and a time within five
    /// minutes of the emulator's clock.
    func verify(headers: [String: String], body: [UInt8], service: String) -> Result<Caller, Refusal> {
        guard let authorization = headers["authorization"], authorization.hasPrefix("AWS4-HMAC-SHA256 ") else {
            return .failure(Refusal(status: 403, jsonCode: "MissingAuthenticationTokenException", xmlCode: "MissingAuthenticationToken", message: "Missing Authentication Token"))
        }
        guard let parsed = Self.parseAuthorization(authorization), parsed.scope.count == 5, parsed.scope[3] == service,
              let amzDate = headers["x-amz-date"], let signedAt = Self.parseAmzDate(amzDate) else {
            return .failure(Refusal(status: 400, jsonCode: "IncompleteSignatureException", xmlCode: "IncompleteSignature", message: "The request signature is incomplete"))
        }
        let key = parsed.scope[0], region = parsed.scope[2]
        let known: (account: String, secret: String, token: String?)?
        if let account = configuration.accounts.first(where: { $0.accessKeyId == key }) {
            known = (account.id, account.secretAccessKey, nil)
        } else if let session = sessions.withLock({ $0[key] }) {
            if configuration.fault == .expiredToken, session.index == 0 {
                return .failure(Refusal(status: 400, jsonCode: "ExpiredTokenException", xmlCode: "ExpiredToken", message: "The security token included in the request is expired"))
            }
            known = (session.account, session.secret, session.token)
        } else {
            known = nil
        }
        guard let known else {
            if configuration.acceptUnknownKeys, let first = configuration.accounts.first {
                return .success(Caller(account: first.id, region: region))
            }
            return .failure(Refusal(status: 403, jsonCode: "UnrecognizedClientException", xmlCode: "InvalidClientTokenId", message: "The security token included in the request is invalid."))
        }
        if abs(signedAt - now) > Self.allowedSkew {
            return .failure(Refusal(
                status: 400, jsonCode: "InvalidSignatureException", xmlCode: "SignatureDoesNotMatch",
                message: "Signature expired: \(amzDate) is now earlier than \(Self.amzDate(now - Self.allowedSkew)) (\(Self.amzDate(now)) - 5 min.)"))
        }
        if known.token != headers["x-amz-security-token"] {
            return .failure(Refusal(status: 403, jsonCode: "UnrecognizedClientException", xmlCode: "InvalidClientTokenId", message: "The security token included in the request is invalid."))
        }
        let signedNames = parsed.signedHeaders.filter { $0 != "x-amz-date" && $0 != "x-amz-security-token" }
        let signedHeaders = signedNames.compactMap { name in headers[name].map { (name: name, value: $0) } }
        let expected = SigV4Signer(region: region, service: service).sign(
            .init(method: "POST", path: "/", headers: signedHeaders, body: body),
            credentials: AWSCredentials(accessKeyId: key, secretAccessKey: known.secret, sessionToken: known.token),
            date: signedAt)
        let expectedSignature = expected.first { $0.name == "Authorization" }.flatMap { Self.parseAuthorization($0.value)?.signature }
        guard let expectedSignature, expectedSignature == parsed.signature else {
            return .failure(Refusal(status: 403, jsonCode: "InvalidSignatureException", xmlCode: "SignatureDoesNotMatch",
                                    message: "The request signature we calculated does not match the signature you provided."))
        }
        return .success(Caller(account: known.account, region: region))
    }

    /// Starts a session for `account` and returns its credentials.
    func newSession(account: String) -> (key: String, secret: String, token: String, expiration: Double) {
        sessions.withLock { sessions in
            let key = "ASIA\(account)\(String(sessions.count, radix: 16).leftPadded(to: 4))"
            let secret = "session-secret-\(account)-\(sessions.count)"
            let token = "session-token-\(account)-\(sessions.count)"
            sessions[key] = Session(account: account, secret: secret, token: token, index: sessions.count)
            return (key, secret, token, now + 3600)
        }
    }

    struct Authorization {
        let scope: [String]
        let signedHeaders: [String]
        let signature: String
    }

    static func parseAuthorization(_ value: String) -> Authorization? {
        var scope: [String]?, signed: [String]?, signature: String?
        for part in value.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "Credential": scope = pair[1].split(separator: "/").map(String.init)
            case "SignedHeaders": signed = pair[1].split(separator: ";").map(String.init)
            case "Signature": signature = pair[1]
            default: break
            }
        }
        guard let scope, let signed, let signature else { return nil }
        return Authorization(scope: scope, signedHeaders: signed, signature: signature)
    }

    /// `20151129T103200Z` to Unix seconds.
    static func parseAmzDate(_ text: String) -> Double? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        let iso = "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.dropFirst(6).prefix(2))T\(text.dropFirst(9).prefix(2)):\(text.dropFirst(11).prefix(2)):\(text.dropFirst(13).prefix(2))Z"
        return ISO8601DateFormatter().date(from: iso)?.timeIntervalSince1970
    }

    static func amzDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func httpDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func isoDate(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// `a=b&c=d`, percent-decoded.
    static func formParameters(_ body: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            guard let name = parts.first else { continue }
            result[name] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}
