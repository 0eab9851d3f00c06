import CMalloc
#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a long-running, mostly idle server. After 150
/// scrapes of 2,000 images, resident memory was 31.0 MiB without them, 26.7
/// with one arena, 23.1 with both (the README's Benchmarks), for a CPU cost
/// within the benchmark's noise.
public enum HeapTuning {
    /// One malloc arena, unless `MALLOC_ARENA_MAX` says otherwise. glibc
    /// otherwise gives threads that allocate at the same time arenas of
    /// their own (up to 8 per core); each keeps its freed memory. The
    /// exporter's threads (the HTTP server's, Swift's pool, HTTP client
    /// workers) allocate little at a time, so one lock costs nothing visible.
    /// Call it first thing, before threads allocate.
    public static func limitArenas() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = cmalloc_limit_arenas(1)
    }

    /// Gives the free pages inside the heap back to the kernel: after a
    /// collection, the pages, images and families of the previous one are
    /// free, but glibc keeps them mapped unless they sit at the top of the heap.
    public static func releaseFreeMemory() {
        _ = cmalloc_trim()
    }
}
