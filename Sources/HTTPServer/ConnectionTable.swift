import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every open connection, so that no client, however it uses its
/// connections, keeps others from being answered.
///
/// - A connection must deliver a complete request within the read-header
///   timeout of opening, and within the idle timeout of its previous
///   response: a client trickling one byte a second is cut off like a silent one.
/// - Past the soft limit, each new connection evicts a waiting one (never one
///   whose request is being served): the oldest of the address holding the
///   most, so that one flooding address cannot push out another's.
///
/// Closing means `shutdown(2)` on the socket: libmicrohttpd sees the end of
/// the stream and closes the connection on its own thread. The table's lock
/// makes that safe: libmicrohttpd reports a connection closed (and so leaves
/// the table) before it closes the socket, and that report waits for the lock.
final class ConnectionTable: Sendable {
    struct Entry {
        let descriptor: Int32
        let address: String
        let opened: ContinuousClock.Instant
        /// When the connection began waiting for its next request.
        var waitingSince: ContinuousClock.Instant
        var servedRequests = 0
        /// A request is being served: never evicted.
        var active = false
        /// Shut down, waiting for libmicrohttpd to notice.
        var closing = false
    }

    struct Limits: Sendable {
        /// Connections kept before new ones evict waiting ones.
        let softLimit: Int
        let readHeaderTimeout: Duration
        let idleTimeout: Duration
    }

    let limits: Limits
    private let entries = Locked<[UInt: Entry]>([:])
    private let clock = ContinuousClock()

    init(limits: Limits) {
        self.limits = limits
    }

    /// Records a new connection, and evicts one if there are too many.
    /// Returns whether one was evicted.
    @discardableResult
    func opened(_ key: UInt, descriptor: Int32, address: String) -> Bool {
        let now = clock.now
        return entries.withLock { entries in
            entries[key] = Entry(descriptor: descriptor, address: address, opened: now, waitingSince: now)
            guard entries.values.count(where: { !$0.closing }) > limits.softLimit else { return false }
            // The address with the most waiting connections loses its oldest.
            var perAddress: [String: (count: Int, oldest: (key: UInt, since: ContinuousClock.Instant)?)] = [:]
            for (candidate, entry) in entries where !entry.active && !entry.closing {
                var tally = perAddress[entry.address] ?? (0, nil)
                tally.count += 1
                if tally.oldest.map({ entry.waitingSince < $0.since }) ?? true { tally.oldest = (candidate, entry.waitingSince) }
                perAddress[entry.address] = tally
            }
            guard let victim = perAddress.values.max(by: { $0.count < $1.count })?.oldest,
                  let entry = entries[victim.key] else { return false }
            shutdown(entry.descriptor, Int32(SHUT_RDWR))
            entries[victim.key]?.closing = true
            return true
        }
    }

    func closed(_ key: UInt) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// A complete request arrived: the connection is busy until it is answered.
    func requestStarted(_ key: UInt) {
        entries.withLock { $0[key]?.active = true }
    }

    /// The answer was sent: the connection waits for its next request.
    func requestFinished(_ key: UInt) {
        let now = clock.now
        entries.withLock { entries in
            entries[key]?.active = false
            entries[key]?.waitingSince = now
            entries[key]?.servedRequests += 1
        }
    }

    var count: Int { entries.withLock { $0.count } }

    /// Closes connections that took too long to send a request; returns
    /// the next deadline of a connection left waiting, if any.
    func sweep(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        entries.withLock { entries in
            var next: ContinuousClock.Instant?
            for (key, entry) in entries where !entry.active && !entry.closing {
                let limit = entry.servedRequests == 0 ? limits.readHeaderTimeout : limits.idleTimeout
                let deadline = entry.waitingSince.advanced(by: limit)
                if deadline < now {
                    shutdown(entry.descriptor, Int32(SHUT_RDWR))
                    entries[key]?.closing = true
                } else if next.map({ deadline < $0 }) ?? true {
                    next = deadline
                }
            }
            return next
        }
    }
}
