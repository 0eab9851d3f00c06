import Exposition
import Support

/// Each family's deflated text kept from one scrape of a source to the next,
/// for `/probe`: most of a target's families come out the same from one
/// collection to the next (the images, their bundles and errors change
/// rarely; their ages and the scrape's own figures every time), so a family
/// whose ``MetricFamily/fingerprint()`` is the one deflated last time for the
/// same source, name and format reuses that piece instead of being written
/// and deflated again.
///
/// Only the deflated piece is kept (about 8.5 kB a target of 100 images, where
/// the text is 94 kB), with the fingerprint; an entry not used for `keep` goes
/// at the next sweep (at most once a minute, on a probe), so that the cache
/// holds the targets probed lately: bounded by the configured and discovered
/// targets, since an unknown target is refused before anything is rendered.
final class FamilyChunkCache: Sendable {
    private struct Key: Hashable {
        let source: String
        let name: String
        /// OpenMetrics' versions write the same bytes: one entry for them.
        let openMetrics: Bool
    }

    private struct Entry: Sendable {
        let fingerprint: UInt64
        let chunk: GzipChunk
        var lastUsed: ContinuousClock.Instant
    }

    private struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var lastSweep: ContinuousClock.Instant
        var reused = 0
    }

    private let state: Locked<State>
    let keep: Duration

    init(keep: Duration, now: ContinuousClock.Instant = .now) {
        self.keep = keep
        state = Locked(State(lastSweep: now))
    }

    /// How many families are kept, and how many pieces were reused, for tests.
    var count: Int { state.withLock { $0.entries.count } }
    var reused: Int { state.withLock { $0.reused } }

    /// The gzip body of `families` (sorted, none empty) and `format`'s
    /// trailer, with the pieces of unchanged families reused; nil if zlib
    /// fails (out of memory).
    func body(_ families: [MetricFamily], source: String, format: ExpositionFormat,
              now: ContinuousClock.Instant = .now) -> [UInt8]? {
        let fingerprints = families.map { $0.fingerprint() }
        let keys = families.map { Key(source: source, name: $0.name, openMetrics: format.isOpenMetrics) }
        var chunks: [GzipChunk?] = state.withLock { state in
            keys.indices.map { index in
                guard let entry = state.entries[keys[index]], entry.fingerprint == fingerprints[index] else { return nil }
                state.entries[keys[index]]?.lastUsed = now
                state.reused &+= 1
                return entry.chunk
            }
        }
        var fresh: [(key: Key, entry: Entry)] = []
        for index in chunks.indices where chunks[index] == nil {
            guard let chunk = try? GzipChunk(compressing: format.encodeFamilies([families[index]])) else { return nil }
            chunks[index] = chunk
            fresh.append((keys[index], Entry(fingerprint: fingerprints[index], chunk: chunk, lastUsed: now)))
        }
        let trailer = format.trailer
        if !trailer.isEmpty {
            guard let chunk = GzipChunk.trailer(trailer) else { return nil }
            chunks.append(chunk)
        }
        state.withLock { state in
            for (key, entry) in fresh { state.entries[key] = entry }
            if state.lastSweep.duration(to: now) >= min(keep, .seconds(60)) {
                state.lastSweep = now
                state.entries = state.entries.filter { $0.value.lastUsed.duration(to: now) < keep }
            }
        }
        return GzipChunk.join(chunks.compactMap { $0 })
    }
}
