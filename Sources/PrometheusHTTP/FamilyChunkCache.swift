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
/// Families a collection left unbuilt (``DeferredFamilies``: the same API
/// answers as the collection before) are taken by name and source digest:
/// with their pieces kept, they are never built.
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
    /// The largest text of a changed family kept undeflated.
    static let storedLimit = 1024

    init(keep: Duration, now: ContinuousClock.Instant = .now) {
        self.keep = keep
        state = Locked(State(lastSweep: now))
    }

    /// How many families are kept, and how many pieces were reused, for tests.
    var count: Int { state.withLock { $0.entries.count } }
    var reused: Int { state.withLock { $0.reused } }

    /// One family of a body: built, or deferred (known by name and
    /// fingerprint, built only if its piece is not kept).
    private struct Slot {
        let name: String
        let fingerprint: UInt64
        let family: MetricFamily?

        init(_ family: MetricFamily) {
            (name, fingerprint, self.family) = (family.name, family.fingerprint(), family)
        }

        init(deferred name: String, sourceDigest: UInt64) {
            (self.name, fingerprint, family) = (name, MetricFamily.fingerprint(name: name, sourceDigest: sourceDigest), nil)
        }
    }

    /// The gzip body of `scrape` in `format`, trailer included, with the
    /// pieces of unchanged families reused; nil if zlib fails (out of
    /// memory). With one snapshot its deferred families are taken by name:
    /// they are built only if a piece is missing.
    func body(_ scrape: Scrape, source: String, format: ExpositionFormat, now: ContinuousClock.Instant = .now) -> [UInt8]? {
        guard scrape.snapshots.count == 1, let deferred = scrape.snapshots[0].deferred else {
            return body(scrape.allFamilies.map(Slot.init), deferred: nil, source: source, format: format, now: now)
        }
        var slots = (scrape.snapshots[0].builtFamilies + scrape.live).filter { !$0.samples.isEmpty }.map(Slot.init)
        slots += deferred.names.map { Slot(deferred: $0, sourceDigest: deferred.sourceDigest) }
        slots.sort { $0.name < $1.name }
        // Names are unique within a snapshot and apart from the live ones;
        // should they not be, the families are merged the usual way.
        guard zip(slots, slots.dropFirst()).allSatisfy({ $0.name != $1.name }) else {
            return body(scrape.allFamilies.map(Slot.init), deferred: nil, source: source, format: format, now: now)
        }
        return body(slots, deferred: deferred, source: source, format: format, now: now)
    }

    /// The gzip body of `families` (sorted, none empty) and `format`'s
    /// trailer, with the pieces of unchanged families reused; nil if zlib
    /// fails (out of memory).
    func body(_ families: [MetricFamily], source: String, format: ExpositionFormat,
              now: ContinuousClock.Instant = .now) -> [UInt8]? {
        body(families.map(Slot.init), deferred: nil, source: source, format: format, now: now)
    }

    private func body(_ slots: [Slot], deferred: DeferredFamilies?, source: String, format: ExpositionFormat,
                      now: ContinuousClock.Instant) -> [UInt8]? {
        let keys = slots.map { Key(source: source, name: $0.name, openMetrics: format.isOpenMetrics) }
        // Kept pieces, and which families changed since their piece was made.
        var changed = [Bool](repeating: false, count: keys.count)
        var chunks: [GzipChunk?] = state.withLock { state in
            keys.indices.map { index in
                guard let entry = state.entries[keys[index]] else { return nil }
                guard entry.fingerprint == slots[index].fingerprint else {
                    changed[index] = true
                    return nil
                }
                state.entries[keys[index]]?.lastUsed = now
                state.reused &+= 1
                return entry.chunk
            }
        }
        // A deferred family without a kept piece: all of them are built (once).
        var built: [String: MetricFamily] = [:]
        if let deferred, chunks.indices.contains(where: { chunks[$0] == nil && slots[$0].family == nil }) {
            built = Dictionary(deferred.families.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        var fresh: [(key: Key, entry: Entry)] = []
        for index in chunks.indices where chunks[index] == nil {
            guard let family = slots[index].family ?? built[slots[index].name] else { return nil }
            let text = format.encodeFamilies([family])
            // A small family that changed (the scrape's own figures, with
            // every probe) is likely to change again: kept as it is, it costs
            // some 40,000 instructions less and the body a few hundred bytes more.
            let chunk: GzipChunk
            if changed[index], text.count <= Self.storedLimit {
                chunk = GzipChunk(storing: text)
            } else {
                guard let deflated = try? GzipChunk(compressing: text) else { return nil }
                chunk = deflated
            }
            chunks[index] = chunk
            fresh.append((keys[index], Entry(fingerprint: slots[index].fingerprint, chunk: chunk, lastUsed: now)))
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
