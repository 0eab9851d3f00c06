import AWSWorkSpaces
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
    private let entries = Mutex<[String: Entry]>([:])

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
            return owned.filter { id in entries[id].map { $0.fetched.duration(to: now) >= interval } ?? true }.sorted()
        }
        var failure: AWSClientError?
        await withTaskGroup(of: (String, Result<[String], AWSClientError>).self) { group in
            var next = 0
            func add() {
                guard next < stale.count else { return }
                let id = stale[next]
                next += 1
                group.addTask {
                    do throws(AWSClientError) {
                        return (id, .success(try await fetch(id)))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            for _ in 0..<Self.concurrency { add() }
            for await (id, result) in group {
                switch result {
                case let .success(accounts):
                    entries.withLock { $0[id] = Entry(accounts: accounts, fetched: .now) }
                    add()
                case let .failure(error):
                    // The first failure fails the collector; the rest are not started.
                    if failure == nil { failure = error }
                }
            }
        }
        let current = entries.withLock { $0 }
        return (current.mapValues(\.accounts), failure)
    }
}
