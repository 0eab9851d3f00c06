import Dispatch
import Synchronization

/// Runs bcrypt checks one at a time, off Swift's cooperative pool, taking
/// turns between lanes (a lane per user and client address): a flood of
/// wrong passwords from one client queues behind itself, and the right user
/// from another client is checked within a few turns. Past the bounds a
/// check is refused at once, which the server answers 503, never 401.
final class BcryptQueue: Sendable {
    struct Job: Sendable {
        let work: @Sendable () -> Bool
        let done: CheckedContinuation<Bool?, Never>
    }

    private struct State {
        var lanes: [String: [Job]] = [:]
        /// Lanes in turn order.
        var order: [String] = []
        var waiting = 0
        var running = false
    }

    /// Checks one lane may have waiting.
    let maxPerLane: Int
    /// Checks waiting in all lanes together.
    let maxWaiting: Int
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "basic-auth.bcrypt")

    init(maxPerLane: Int = 4, maxWaiting: Int = 64) {
        self.maxPerLane = maxPerLane
        self.maxWaiting = maxWaiting
    }

    /// The check's result, or nil when it was refused because too many wait.
    func run(lane: String, _ work: @escaping @Sendable () -> Bool) async -> Bool? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
            let (accepted, start) = state.withLock { state -> (Bool, Bool) in
                guard state.waiting < maxWaiting, state.lanes[lane, default: []].count < maxPerLane else { return (false, false) }
                if state.lanes[lane] == nil { state.order.append(lane) }
                state.lanes[lane, default: []].append(Job(work: work, done: continuation))
                state.waiting += 1
                guard !state.running else { return (true, false) }
                state.running = true
                return (true, true)
            }
            if !accepted { continuation.resume(returning: nil); return }
            if start { queue.async { self.drain() } }
        }
    }

    /// Takes turns between lanes until none has work.
    private func drain() {
        while let job = next() {
            job.done.resume(returning: job.work())
        }
    }

    private func next() -> Job? {
        state.withLock { state in
            while !state.order.isEmpty {
                let lane = state.order.removeFirst()
                guard var jobs = state.lanes[lane], !jobs.isEmpty else {
                    state.lanes[lane] = nil
                    continue
                }
                let job = jobs.removeFirst()
                state.waiting -= 1
                if jobs.isEmpty {
                    state.lanes[lane] = nil
                } else {
                    state.lanes[lane] = jobs
                    state.order.append(lane)
                }
                return job
            }
            state.running = false
            return nil
        }
    }
}
