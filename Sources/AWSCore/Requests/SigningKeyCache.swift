import Support

/// SigV4 signing keys by secret, day, region and service, so that each
/// request signs with one HMAC instead of five. Only the newest day's keys
/// are kept (a key for a new day empties it), so a rotated secret's key is
/// gone by the next day at the latest; and at most `capacity` of them (when
/// full it is emptied: 1,000 role targets in two regions need 2,000).
final class SigningKeyCache: Sendable {
    struct Scope: Hashable, Sendable {
        let secret: String
        let shortDate: String
        let region: String
        let service: String
    }

    static let shared = SigningKeyCache(capacity: 8192)

    private let capacity: Int
    private let keys = Locked([Scope: [UInt8]]())
    private let day = Locked("")

    init(capacity: Int) {
        self.capacity = capacity
    }

    func key(for scope: Scope) -> [UInt8]? {
        keys.withLock { $0[scope] }
    }

    func store(_ key: [UInt8], for scope: Scope) {
        let newDay = day.withLock { day in
            guard scope.shortDate > day else { return false }
            day = scope.shortDate
            return true
        }
        keys.withLock { keys in
            if newDay || keys.count >= capacity { keys.removeAll(keepingCapacity: !newDay) }
            keys[scope] = key
        }
    }

    var count: Int { keys.withLock { $0.count } }
}
