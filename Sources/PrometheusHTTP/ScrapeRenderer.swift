public import Exposition
import Support
import Synchronization

/// Turns a ``Scrape`` into a response body: content negotiation, gzip and
/// the render caches, in one place as client_golang's promhttp keeps them.
///
/// On the telemetry path (``Caching/snapshots``) the snapshots' families
/// change only when a collection finishes, so they are merged, rendered and
/// gzipped once per set of snapshot ids and format; only the small live part
/// (up, API counters, process metrics) is rendered and compressed per request.
/// For `/probe` (``Caching/families(keep:)``) each scrape is another target's
/// new collection, so pieces are kept per target and family instead, and
/// reused while a family is unchanged. Either way a gzip body is one gzip
/// member assembled from independently deflated pieces (see ``GzipChunk``),
/// in the families' global name order.
public final class ScrapeRenderer: Sendable {
    /// A rendered run of consecutive snapshot families.
    private struct Piece: Sendable {
        let text: [UInt8]
        var gzip: GzipChunk?
    }

    /// The merged snapshot families and their rendered runs, for one set of ids.
    private struct Cache: Sendable {
        var ids: [UInt64] = []
        var families: [MetricFamily] = []
        var pieces: [PieceKey: Piece] = [:]
    }

    private struct PieceKey: Hashable {
        let format: ExpositionFormat
        let range: Range<Int>
    }

    /// What a renderer keeps from one scrape to the next.
    public enum Caching: Sendable {
        /// Nothing: every body rendered and deflated in one piece.
        case none
        /// For the telemetry path: the snapshots' families, rendered and
        /// deflated once per set of snapshot ids and format.
        case snapshots
        /// For `/probe`: each family's deflated piece, per scrape source and
        /// family name, reused while the family's fingerprint is unchanged;
        /// an entry unused for `keep` goes (``FamilyChunkCache``).
        case families(keep: Duration)
    }

    private let cache = Locked(Cache())
    private let caching: Caching
    private let familyChunks: FamilyChunkCache?

    public init(caching: Caching = .snapshots) {
        self.caching = caching
        if case let .families(keep) = caching { familyChunks = FamilyChunkCache(keep: keep) } else { familyChunks = nil }
    }

    /// Families kept by a `.families` renderer, for tests.
    var familiesKept: Int { familyChunks?.count ?? 0 }

    /// The negotiated answer to a scrape: body, `Content-Type`, and whether
    /// the body is gzipped (then `Content-Encoding: gzip` goes with it).
    public func respond(_ scrape: Scrape, accept: String?, acceptEncoding: String?) -> (body: [UInt8], contentType: String, gzipped: Bool) {
        let format = ExpositionFormat.negotiate(accept: accept)
        let (body, gzipped) = render(scrape, format: format, gzip: AcceptEncoding.allowsGzip(acceptEncoding))
        return (body, format.contentType, gzipped)
    }

    /// The body in `format`, gzipped when `gzip` is set. Falls back to an
    /// uncompressed body if zlib fails (which means memory exhaustion).
    public func render(_ scrape: Scrape, format: ExpositionFormat, gzip: Bool) -> (body: [UInt8], gzipped: Bool) {
        switch caching {
        case .none:
            return Self.renderWhole(scrape, format: format, gzip: gzip)
        case .families:
            guard gzip, !scrape.source.isEmpty, let familyChunks else { return Self.renderWhole(scrape, format: format, gzip: gzip) }
            guard let body = familyChunks.body(scrape, source: scrape.source, format: format) else {
                return Self.renderWhole(scrape, format: format, gzip: false)
            }
            return (body, true)
        case .snapshots:
            break
        }
        let snapshotFamilies = merged(scrape.snapshots)
        let live = MetricFamily.merge(scrape.live).filter { !$0.samples.isEmpty }
        var texts: [[UInt8]] = []
        var chunks: [GzipChunk] = []
        var compressed = gzip
        func add(_ piece: Piece) {
            texts.append(piece.text)
            if compressed {
                if let chunk = piece.gzip { chunks.append(chunk) } else { compressed = false }
            }
        }
        // Interleave the two sorted lists by name: runs of snapshot families
        // come from the cache, runs of live ones are rendered now.
        var s = 0, l = 0
        while s < snapshotFamilies.count || l < live.count {
            if l == live.count || (s < snapshotFamilies.count && snapshotFamilies[s].name < live[l].name) {
                var end = s
                while end < snapshotFamilies.count, l == live.count || snapshotFamilies[end].name < live[l].name { end += 1 }
                add(cachedPiece(ids: scrape.snapshots.map(\.id), format: format, range: s..<end, families: snapshotFamilies, gzip: compressed))
                s = end
            } else {
                var end = l
                while end < live.count, s == snapshotFamilies.count || live[end].name < snapshotFamilies[s].name { end += 1 }
                let text = format.encodeFamilies(Array(live[l..<end]))
                add(Piece(text: text, gzip: compressed ? try? GzipChunk(compressing: text) : nil))
                l = end
            }
        }
        let trailer = format.trailer
        if !trailer.isEmpty { add(Piece(text: trailer, gzip: compressed ? GzipChunk.trailer(trailer) : nil)) }
        if compressed { return (GzipChunk.join(chunks), true) }
        var body: [UInt8] = []
        body.reserveCapacity(texts.reduce(0) { $0 + $1.count })
        for text in texts { body.append(contentsOf: text) }
        return (body, false)
    }

    /// The body in one piece: one text, one deflate stream.
    static func renderWhole(_ scrape: Scrape, format: ExpositionFormat, gzip: Bool) -> (body: [UInt8], gzipped: Bool) {
        let text = format.encode(scrape.allFamilies)
        guard gzip, let chunk = try? GzipChunk(compressing: text) else { return (text, false) }
        return (GzipChunk.join([chunk]), true)
    }

    /// The snapshots' families merged and sorted, computed once per set of ids.
    private func merged(_ snapshots: [Snapshot]) -> [MetricFamily] {
        let ids = snapshots.map(\.id)
        if let found = cache.withLock({ $0.ids == ids ? $0.families : nil }) { return found }
        let families = MetricFamily.merge(snapshots.flatMap(\.families)).filter { !$0.samples.isEmpty }
        cache.withLock { cache in
            cache = Cache(ids: ids, families: families, pieces: [:])
        }
        return families
    }

    private func cachedPiece(ids: [UInt64], format: ExpositionFormat, range: Range<Int>, families: [MetricFamily], gzip: Bool) -> Piece {
        let key = PieceKey(format: format, range: range)
        let found = cache.withLock { $0.ids == ids ? $0.pieces[key] : nil }
        if let found, !gzip || found.gzip != nil { return found }
        var piece = found ?? Piece(text: format.encodeFamilies(Array(families[range])), gzip: nil)
        if gzip { piece.gzip = try? GzipChunk(compressing: piece.text) }
        cache.withLock { cache in
            if cache.ids == ids { cache.pieces[key] = piece }
        }
        return piece
    }
}
