import Exposition
import HTTPServer
import Synchronization
import WorkSpacesCollector

/// Turns a ``Scrape`` into a response body. The image families, which change
/// only when a collection finishes, are rendered (and gzipped) once per
/// generation and format; only the small per-scrape part (up, API counters,
/// process metrics) is rendered and compressed on every request. With
/// `--collector.min-interval` that makes a cached scrape cost little more
/// than copying bytes.
final class ScrapeRenderer: Sendable {
    /// A rendered run of consecutive cacheable families.
    private struct Piece: Sendable {
        let text: [UInt8]
        var gzip: GzipChunk?
    }

    private struct Key: Hashable {
        let format: ExpositionFormat
        let names: [String]
    }

    private struct Cache {
        var generation: [UInt64] = []
        var pieces: [Key: Piece] = [:]
    }

    private let cache = Mutex(Cache())

    /// The body in `format`, gzipped when `gzip` is set. Falls back to an
    /// uncompressed body if zlib fails (which means memory exhaustion).
    func render(_ scrape: Scrape, format: ExpositionFormat, gzip: Bool) -> (body: [UInt8], gzipped: Bool) {
        var texts: [[UInt8]] = []
        var chunks: [GzipChunk] = []
        var compressed = gzip
        for run in runs(of: scrape) {
            let piece: Piece
            if run.cacheable {
                piece = cachedPiece(Key(format: format, names: run.families.map(\.name)), generation: scrape.generation, families: run.families, gzip: compressed)
            } else {
                var text = format.encodeFamilies(run.families)
                if run.last { text += format.trailer }
                piece = Piece(text: text, gzip: compressed ? try? GzipChunk(compressing: text) : nil)
            }
            texts.append(piece.text)
            if compressed {
                if let chunk = piece.gzip { chunks.append(chunk) } else { compressed = false }
            }
        }
        if compressed { return (GzipChunk.join(chunks), true) }
        var body: [UInt8] = []
        body.reserveCapacity(texts.reduce(0) { $0 + $1.count })
        for text in texts { body.append(contentsOf: text) }
        return (body, false)
    }

    private struct Run {
        var cacheable: Bool
        var families: [MetricFamily]
        var last = false
    }

    /// Consecutive families grouped by whether they may be cached; the last
    /// run is never cacheable, since it carries the trailer.
    private func runs(of scrape: Scrape) -> [Run] {
        var runs: [Run] = []
        for family in scrape.families {
            let cacheable = scrape.cacheable.contains(family.name)
            if let index = runs.indices.last, runs[index].cacheable == cacheable {
                runs[index].families.append(family)
            } else {
                runs.append(Run(cacheable: cacheable, families: [family]))
            }
        }
        if runs.last?.cacheable ?? true { runs.append(Run(cacheable: false, families: [])) }
        runs[runs.count - 1].last = true
        return runs
    }

    private func cachedPiece(_ key: Key, generation: [UInt64], families: [MetricFamily], gzip: Bool) -> Piece {
        let found = cache.withLock { cache -> Piece? in
            guard cache.generation == generation else { return nil }
            return cache.pieces[key]
        }
        if let found, !gzip || found.gzip != nil { return found }
        var piece = found ?? Piece(text: key.format.encodeFamilies(families), gzip: nil)
        if gzip { piece.gzip = try? GzipChunk(compressing: piece.text) }
        cache.withLock { cache in
            if cache.generation != generation { cache = Cache(generation: generation) }
            cache.pieces[key] = piece
        }
        return piece
    }
}
