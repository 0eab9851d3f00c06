import AWSCore
import AWSWorkSpaces
import Support
import Synchronization

/// One target's image permissions, kept between collections: each owned
/// image's shared accounts are asked again only once they are older than
/// `--collector.image-permissions.interval`, since the API costs one call
/// per image. Images gone from the target are forgotten.
final class ImagePermissionsCache: Sendable {
    struct Entry: Sendable {
        let accounts: [String]
        let fetched: ContinuousClock.Instant
    }

    /// Calls at once for one target.
    static let concurrency = 4
    private let entries = Locked<[String: Entry]>([:])

    /// The shared accounts of every image in `owned` that has an answer
    /// (fresh, or cached when asking again failed), asking the API for those
    /// not fresh; and the first failure, if any call failed (the rest are
    /// then not started).
    func permissions(
        owned: Set<String>, interval: Duration,
        fetch: @escaping @Sendable (String) async throws(AWSClientError) -> [String]
    ) async -> (permissions: [String: [String]], failure: AWSClientError?) {
        let now = ContinuousClock.now
        let stale = entries.withLock { entries -> [String] in
            entries = entries.filter { owned.contains($0.key) }
            // Never answered first, then the longest ago: when some calls
            // fail (the rest of the round is then not started), the next
            // collection starts with the images this one did not reach.
            let due = owned.filter { id in entries[id].map { $0.fetched.duration(to: now) >= interval } ?? true }
            return due.sorted { a, b in
                switch (entries[a]?.fetched, entries[b]?.fetched) {
                case (nil, nil): return a < b
                case (nil, _): return true
                case (_, nil): return false
                case let (x?, y?): return x == y ? a < b : x < y
                }
            }
        }
        // Children are added only from the group's own body, never from a
        // nested function that captures the group or a counter: that shape
        // was miscompiled under optimisation (children outliving the group).
        let failure = await withTaskGroup(of: Fetched.self, returning: AWSClientError?.self) { group in
            var pending = stale.makeIterator()
            for _ in 0..<Self.concurrency {
                guard let id = pending.next() else { break }
                group.addTask { await Self.fetch(id, with: fetch) }
            }
            var failure: AWSClientError?
            while let fetched = await group.next() {
                switch fetched.result {
                case let .success(accounts):
                    entries.withLock { $0[fetched.id] = Entry(accounts: accounts, fetched: .now) }
                    // The first failure fails the collector; the rest are not started.
                    if failure == nil, let id = pending.next() { group.addTask { await Self.fetch(id, with: fetch) } }
                case let .failure(error):
                    if failure == nil { failure = error }
                }
            }
            return failure
        }
        let current = entries.withLock { $0 }
        return (current.mapValues(\.accounts), failure)
    }

    /// One image's answer, as a child task returns it.
    struct Fetched: Sendable {
        let id: String
        let result: Result<[String], AWSClientError>
    }

    private static func fetch(
        _ id: String, with fetch: @Sendable (String) async throws(AWSClientError) -> [String]
    ) async -> Fetched {
        do throws(AWSClientError) {
            return Fetched(id: id, result: .success(try await fetch(id)))
        } catch {
            return Fetched(id: id, result: .failure(error))
        }
    }
}
