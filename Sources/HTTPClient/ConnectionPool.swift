import Support
import Synchronization

/// Idle keep-alive connections, by where they lead. The most recently used
/// is handed out first; one idle past `maxIdleTime`, or that the server has
/// closed, is dropped instead. When the pool is full, a connection coming
/// back takes the place of the longest idle one: connections to a server
/// that is gone (an old endpoint, a test's) never crowd out live ones.
final class ConnectionPool: Sendable {
    /// Where a connection leads: the origin, and the proxy on the way.
    struct Key: Hashable, Sendable {
        let secure: Bool
        let host: String
        let port: Int
        let proxy: ProxySettings.Proxy?
    }

    private struct State {
        var idle: [Key: [Connection]] = [:]
        var closed = false
        var count: Int { idle.values.reduce(0) { $0 + $1.count } }
    }

    private let state = Locked(State())
    private let maxIdle: Int
    private let maxIdleTime: Duration

    init(maxIdle: Int, maxIdleTime: Duration = .seconds(30)) {
        self.maxIdle = maxIdle
        self.maxIdleTime = maxIdleTime
    }

    /// Whether an idle connection for `key` is kept (it may still turn out stale).
    func hasIdle(_ key: Key) -> Bool {
        state.withLock { $0.idle[key] != nil }
    }

    /// An idle connection for `key` that still looks usable, or nil.
    func checkOut(_ key: Key) -> Connection? {
        let now = ContinuousClock.now
        var stale: [Connection] = []
        let found: Connection? = state.withLock { state in
            while let connection = state.idle[key]?.popLast() {
                if state.idle[key]?.isEmpty == true { state.idle[key] = nil }
                if connection.idleSince.duration(to: now) < maxIdleTime { return connection }
                stale.append(connection)
            }
            return nil
        }
        // Closed outside the lock (a TLS session's deinit may take a moment).
        stale.removeAll()
        guard let found else { return nil }
        return found.isReusable ? found : nil
    }

    /// Keeps `connection` for reuse, unless the pool is closed or holds none.
    /// On the way it drops every expired connection, and when the pool is
    /// still full the longest idle one.
    func checkIn(_ connection: Connection, for key: Key) {
        let now = ContinuousClock.now
        connection.idleSince = now
        let evicted = state.withLock { state -> [Connection] in
            guard !state.closed, maxIdle > 0 else { return [connection] }
            // Expired ones go first, whatever they lead to: a server that was
            // used once is not kept connected for ever.
            var dropped: [Connection] = []
            for (candidateKey, connections) in state.idle {
                let (expired, kept) = connections.reduce(into: ([Connection](), [Connection]())) { split, candidate in
                    if candidate.idleSince.duration(to: now) >= maxIdleTime { split.0.append(candidate) } else { split.1.append(candidate) }
                }
                guard !expired.isEmpty else { continue }
                dropped += expired
                state.idle[candidateKey] = kept.isEmpty ? nil : kept
            }
            if state.count >= maxIdle {
                var oldest: (key: Key, index: Int, since: ContinuousClock.Instant)?
                for (candidateKey, connections) in state.idle {
                    for (index, candidate) in connections.enumerated() {
                        if let current = oldest, current.since <= candidate.idleSince { continue }
                        oldest = (candidateKey, index, candidate.idleSince)
                    }
                }
                if let oldest, let removed = state.idle[oldest.key]?.remove(at: oldest.index) {
                    dropped.append(removed)
                    if state.idle[oldest.key]?.isEmpty == true { state.idle[oldest.key] = nil }
                }
            }
            state.idle[key, default: []].append(connection)
            return dropped
        }
        // Closed here, outside the lock.
        withExtendedLifetime(evicted) {}
    }

    /// Closes every idle connection and keeps none from now on.
    func close() {
        let dropped = state.withLock { state -> [Key: [Connection]] in
            state.closed = true
            defer { state.idle = [:] }
            return state.idle
        }
        _ = consume dropped
    }
}
