import CGlibc
#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a long-running, mostly idle server. After 150
/// scrapes of 2,000 images, resident memory was 31.0 MiB without them, 26.7
/// with one arena, 23.1 with both the arena and the trim after a new
/// collection (the README's Benchmarks), for a CPU cost within the
/// benchmark's noise.
public enum HeapTuning {
    /// Free memory at the top of the heap that glibc keeps instead of giving
    /// it back at once, and the size from which a block is mapped on its own.
    /// With glibc's defaults (128 KiB, adjusted as blocks come and go) every
    /// collection gave back the previous one's pages and faulted them in
    /// again: 70 page faults a probe, 0.5 with these (bench/probe_cost.py).
    public static let trimThreshold = 4 << 20
    public static let mmapThreshold = 1 << 20

    /// Call it first thing, before threads allocate. With `GLIBC_TUNABLES`
    /// set nothing is changed; `MALLOC_ARENA_MAX` keeps the arenas as it says,
    /// and either of `MALLOC_TRIM_THRESHOLD_` and `MALLOC_MMAP_THRESHOLD_`
    /// keeps glibc's thresholds (both of them, which go together).
    ///
    /// One malloc arena: glibc otherwise gives threads that allocate at the
    /// same time arenas of their own (up to 8 per core); each keeps its freed
    /// memory. The exporter's threads (the HTTP server's, Swift's pool, HTTP
    /// client workers) allocate little at a time, so one lock costs nothing
    /// visible.
    public static func configure() {
        guard getenv("GLIBC_TUNABLES") == nil else { return }
        if getenv("MALLOC_ARENA_MAX") == nil { _ = cglibc_limit_arenas(1) }
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil, getenv("MALLOC_MMAP_THRESHOLD_") == nil {
            _ = cglibc_set_thresholds(Int32(trimThreshold), Int32(mmapThreshold))
        }
    }

    /// Gives the free pages inside the heap back to the kernel when there
    /// are more than ``trimThreshold`` of them: after a collection, the pages,
    /// images and families of the previous one are free, but glibc keeps them
    /// mapped unless they sit at the top of the heap. Less than that is kept,
    /// as it would be faulted in again by the next collection.
    public static func releaseFreeMemory() {
        guard cglibc_free_bytes() >= trimThreshold else { return }
        _ = cglibc_trim()
    }
}
