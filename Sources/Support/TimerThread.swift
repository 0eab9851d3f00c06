#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thread that runs short actions at their deadlines: the timeouts
/// that almost never fire (a collection's budget, a scrape's deadline), so
/// that arming and disarming one costs a lock, not system calls.
///
/// A libdispatch timer per deadline made the manager thread reprogram its
/// timerfd twice per timer, and woke it and a pool thread each time: 10
/// system calls and 4 wake-ups per `/probe` for two timeouts that were then
/// cancelled. Here, ``schedule(at:_:)`` wakes the thread only when the new
/// deadline is earlier than the one it sleeps until; ``cancel(_:)`` never
/// does: the thread drops cancelled entries when it next wakes.
///
/// Actions run on the timer thread, one after the other: they must be
/// short and must not block (resume a continuation, set a flag).
public final class TimerThread: @unchecked Sendable {
    public typealias Action = @Sendable () -> Void

    /// The process's timer thread, started on the first schedule.
    public static let shared = TimerThread(name: "timers")

    /// What ``cancel(_:)`` takes.
    public struct Token: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        let deadline: ContinuousClock.Instant
        let id: UInt64
    }

    private let name: String
    // pthread primitives need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    /// A binary min-heap by deadline; cancelled entries stay until they reach the top.
    private var heap: [Entry] = []
    private var actions: [UInt64: Action] = [:]
    private var nextID: UInt64 = 0
    private var started = false
    /// What the thread sleeps until: nil while it waits for any entry (or runs).
    private var sleepsUntil: ContinuousClock.Instant?
    private var waiting = false

    init(name: String) {
        self.name = name
        pthread_mutex_init(mutex, nil)
        MonotonicTime.initCondition(wake)
    }

    // No deinit: the thread holds its instance for the process's life.

    /// Runs `action` on the timer thread once `deadline` has passed, unless
    /// cancelled first. Nil when no thread can be had (the system refused
    /// one): the caller needs another way to time out.
    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping Action) -> Token? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !started {
            guard DedicatedThread.start(name: name, { [self] in run() }) else { return nil }
            started = true
        }
        let id = nextID
        nextID &+= 1
        actions[id] = action
        push(Entry(deadline: deadline, id: id))
        // Asleep until later than this, or waiting for any entry: wake it to re-arm.
        if waiting, sleepsUntil.map({ deadline < $0 }) ?? true { pthread_cond_signal(wake) }
        return Token(id: id)
    }

    /// The action will not run (if it has not started yet).
    public func cancel(_ token: Token) {
        pthread_mutex_lock(mutex)
        actions[token.id] = nil
        pthread_mutex_unlock(mutex)
    }

    /// Entries scheduled and not yet run or dropped, cancelled ones included.
    var pendingEntries: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return heap.count
    }

    private func run() {
        pthread_mutex_lock(mutex)
        while true {
            // Cancelled entries at the top go without a wait of their own.
            while let top = heap.first, actions[top.id] == nil { _ = pop() }
            guard let top = heap.first else {
                (sleepsUntil, waiting) = (nil, true)
                pthread_cond_wait(wake, mutex)
                waiting = false
                continue
            }
            let remaining = ContinuousClock.now.duration(to: top.deadline)
            if remaining <= .zero {
                _ = pop()
                let action = actions.removeValue(forKey: top.id)
                pthread_mutex_unlock(mutex)
                action?()
                pthread_mutex_lock(mutex)
                continue
            }
            (sleepsUntil, waiting) = (top.deadline, true)
            var time = MonotonicTime.deadline(after: remaining)
            pthread_cond_timedwait(wake, mutex, &time)
            waiting = false
        }
    }

    // MARK: Heap

    private func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
