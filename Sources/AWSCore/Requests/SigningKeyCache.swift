import Support

/// SigV4 signing keys by secret, day, region and service, so that each
/// request signs with one HMAC instead of five. Bounded: when full it is
/// emptied (a new day or rotated credentials refill it within one scrape).
/// It holds only what the credential caches hold already, in memory.
final class SigningKeyCache: Sendable {
    struct Scope: Hashable, Sendable {
        let secret: String
        let shortDate: String
        let region: String
        let service: String
    }

    static let shared = SigningKeyCache(capacity: 1024)

    private let capacity: Int
    private let keys = Locked([Scope: [UInt8]]())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func key(for scope: Scope) -> [UInt8]? {
        keys.withLock { $0[scope] }
    }

    func store(_ key: [UInt8], for scope: Scope) {
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
            keys[scope] = key
        }
    }

    var count: Int { keys.withLock { $0.count } }
}
