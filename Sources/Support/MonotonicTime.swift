#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Deadlines for `pthread_cond_timedwait` on a condition variable whose
/// clock is `CLOCK_MONOTONIC` (``initCondition(_:)``).
public enum MonotonicTime {
    /// `CLOCK_MONOTONIC` now plus `duration`: at least zero, at most a day
    /// (the waits of this project are seconds; a longer one ends after a day).
    public static func deadline(after duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = min(max(duration, .zero), .seconds(86_400)).components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000) + 1
        var wholeSeconds = Int(now.tv_sec) + Int(seconds)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            wholeSeconds += 1
        }
        return timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
    }

    /// Initialises `condition` to time its waits by `CLOCK_MONOTONIC`.
    public static func initCondition(_ condition: UnsafeMutablePointer<pthread_cond_t>) {
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }
}
