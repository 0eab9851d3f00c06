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
    /// The newest day seen, and the keys (all of that day).
    private let state = Locked((day: "", keys: [Scope: [UInt8]]()))

    init(capacity: Int) {
        self.capacity = capacity
    }

    func key(for scope: Scope) -> [UInt8]? {
        state.withLock { $0.keys[scope] }
    }

    func store(_ key: [UInt8], for scope: Scope) {
        state.withLock { state in
            if scope.shortDate > state.day {
                state.day = scope.shortDate
                state.keys.removeAll()
            } else if state.keys.count >= capacity {
                state.keys.removeAll(keepingCapacity: true)
            }
            state.keys[scope] = key
        }
    }

    var count: Int { state.withLock { $0.keys.count } }
}
