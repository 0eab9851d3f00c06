import CCrypt
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// HTTP basic authentication against bcrypt hashes, as exporter-toolkit's
/// `basic_auth_users` does.
///
/// bcrypt is verified with libxcrypt's `crypt_r`. An unknown user is checked
/// against a dummy hash of the same cost, so the time taken does not reveal
/// which users exist. A verified user and password is remembered (as a SHA-256
/// digest, never the password) so that a scrape every few seconds does not pay
/// for bcrypt each time, and is checked before anything waits; wrong passwords
/// are never remembered. Checks wait in a ``BcryptQueue`` that takes turns
/// between client addresses, then between users and passwords.
public final class BasicAuthenticator: Sendable {
    /// The outcome of a check.
    public enum Decision: Sendable {
        case allowed
        case denied
        /// Too many checks wait: answer 503 with `Retry-After`, not 401.
        case overloaded
    }

    let users: [String: String]
    let dummyHash: String
    private let verified = Locked<Set<[UInt8]>>([])
    /// Bounds the memory of verified pairs; past it the set starts over.
    static let maxRemembered = 1024
    let queue = BcryptQueue()

    /// Why a hash was refused, for the web config loader.
    enum HashProblem: Error { case notBcrypt, rejected }

    /// - Parameter users: bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) by user name.
    /// Costs no bcrypt: hashes are checked by their form (``check(_:)``), and
    /// the dummy is a fixed hash at the highest cost of the users'.
    init(users: [String: String]) throws(HashProblem) {
        for hash in users.values { try Self.check(hash) }
        self.users = users
        dummyHash = Self.dummy(cost: users.values.compactMap(Self.cost).max() ?? 10)
    }

    /// Whether `header` (an `Authorization` value) names a user with the
    /// right password; `client` is the client's address, which picks its lane.
    public func authorize(_ header: String?, from client: String = "") async -> Decision {
        guard let (user, password) = Self.credentials(from: header) else { return .denied }
        let hash = users[user]
        let key = Digest.sha256(Array("\(user)\u{0}\(password)\u{0}\(hash ?? dummyHash)".utf8))
        if hash != nil, verified.withLock({ $0.contains(key) }) { return .allowed }
        let setting = hash ?? dummyHash
        // Within the client's turns, a lane per user and password (by digest),
        // known user or not (else how the lanes fill would tell which names
        // exist): a repeated wrong password waits behind itself, not in front
        // of the right one. The per-address bound caps the lanes.
        let lane = "\(user)\u{0}\(Digest.hex(Array(Digest.sha256(password.utf8).prefix(8))))"
        guard let matches = await queue.run(address: client, lane: lane, { Self.verify(password: password, hash: setting) }) else { return .overloaded }
        guard matches, hash != nil else { return .denied }
        verified.withLock { set in
            if set.count >= Self.maxRemembered { set.removeAll() }
            set.insert(key)
        }
        return .allowed
    }

    /// User and password from `Basic <base64(user:password)>`; nil when
    /// malformed, or when either holds a NUL (which `crypt_r`, reading C
    /// strings, would silently cut short).
    static func credentials(from header: String?) -> (String, String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1].trimmingWhitespace())),
              let decoded = String(validating: Array(data), as: UTF8.self),
              !decoded.utf8.contains(0),
              let colon = decoded.firstIndex(of: ":") else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }

    /// A bcrypt hash by its form, as Go's bcrypt parses one, without hashing
    /// anything: `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31,
    /// `$`, then 22 characters of salt and 31 of hash in bcrypt's base64.
    static func check(_ hash: String) throws(HashProblem) {
        guard ["$2a$", "$2b$", "$2y$"].contains(where: hash.hasPrefix), cost(hash) != nil else { throw .notBcrypt }
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[6] == UInt8(ascii: "$"), bytes[7...].allSatisfy(isBcryptBase64) else { throw .rejected }
    }

    static func cost(_ hash: String) -> Int? {
        let bytes = Array(hash.utf8)
        guard bytes.count > 6, bytes[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)),
              (4...31).contains(cost) else { return nil }
        return cost
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    /// A hash no password matches, at `cost`: checking an unknown user against
    /// it takes as long as checking a known one.
    static func dummy(cost: Int) -> String {
        let digits = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2b$\(digits)$" + "wJ3mXq8vT1nLr5bZc7yHde" + "Qk2Ns9Vt4Lp6Rg8Mz0Xa3Cb5Df7Gh1J"
    }

    /// Compares in constant time, so a near miss takes as long as a far one.
    static func verify(password: String, hash: String) -> Bool {
        guard let result = crypt(password, setting: hash) else { return false }
        let a = Array(result.utf8), b = Array(hash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func crypt(_ phrase: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        // crypt_r requires the struct zeroed before first use.
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(phrase, setting, data) else { return nil }
        return String(cString: result)
    }
}

/// As a stage before the handler: a request without the right user and
/// password is answered 401 (which part was wrong is not said, and the
/// header is never logged).
extension BasicAuthenticator: HTTPMiddleware {
    public func respond(to request: HTTPRequest, next: @Sendable (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        switch await authorize(request.header("authorization"), from: request.clientAddress) {
        case .allowed:
            return await next(request)
        case .denied:
            return .text(401, "Unauthorized", headers: [("WWW-Authenticate", "Basic")])
        case .overloaded:
            // Never 401 for a check that did not run: Prometheus would report bad credentials.
            return .text(503, "too many authentication checks waiting; try again", headers: [("Retry-After", "1")])
        }
    }
}
