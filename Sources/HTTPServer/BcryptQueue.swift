import Dispatch
import Support
import Synchronization

/// Runs bcrypt checks one at a time, off Swift's cooperative pool, taking
/// turns first between client addresses, then, within an address, between
/// lanes (a lane per user and password digest). So a flood of wrong passwords
/// queues behind itself, whoever sends it: from another address it gets every
/// other turn at most; from the right user's own address, repeating a wrong
/// password, it gets one lane of its own, and the right password, another
/// lane, is checked within a turn or two. Past the bounds (per lane, per
/// address, in all) a check is refused at once, which the server answers 503,
/// never 401.
final class BcryptQueue: Sendable {
    struct Job: Sendable {
        let work: @Sendable () -> Bool
        let done: CheckedContinuation<Bool?, Never>
    }

    /// One client address's waiting checks, by lane, in turn order.
    private struct Address {
        var lanes: [String: [Job]] = [:]
        var order: [String] = []
        var waiting = 0
    }

    private struct State {
        var addresses: [String: Address] = [:]
        /// Addresses in turn order.
        var order: [String] = []
        var waiting = 0
        var running = false
    }

    /// Checks one lane may have waiting.
    let maxPerLane: Int
    /// Checks one client address may have waiting.
    let maxPerAddress: Int
    /// Checks waiting in all.
    let maxWaiting: Int
    private let state = Locked(State())
    private let queue = DispatchQueue(label: "basic-auth.bcrypt")

    init(maxPerLane: Int = 2, maxPerAddress: Int = 8, maxWaiting: Int = 64) {
        self.maxPerLane = maxPerLane
        self.maxPerAddress = maxPerAddress
        self.maxWaiting = maxWaiting
    }

    /// The check's result, or nil when it was refused because too many wait.
    func run(address: String, lane: String, _ work: @escaping @Sendable () -> Bool) async -> Bool? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
            let (accepted, start) = state.withLock { state -> (Bool, Bool) in
                var client = state.addresses[address] ?? Address()
                guard state.waiting < maxWaiting, client.waiting < maxPerAddress, client.lanes[lane, default: []].count < maxPerLane else {
                    return (false, false)
                }
                if client.lanes[lane] == nil { client.order.append(lane) }
                client.lanes[lane, default: []].append(Job(work: work, done: continuation))
                client.waiting += 1
                if state.addresses[address] == nil { state.order.append(address) }
                state.addresses[address] = client
                state.waiting += 1
                guard !state.running else { return (true, false) }
                state.running = true
                return (true, true)
            }
            if !accepted { continuation.resume(returning: nil); return }
            if start { queue.async { self.drain() } }
        }
    }

    /// Takes turns until no check waits.
    private func drain() {
        while let job = next() {
            job.done.resume(returning: job.work())
        }
    }

    /// The next address's next lane's first job.
    private func next() -> Job? {
        state.withLock { state in
            while !state.order.isEmpty {
                let address = state.order.removeFirst()
                guard var client = state.addresses[address], let job = Self.take(from: &client) else {
                    state.addresses[address] = nil
                    continue
                }
                state.waiting -= 1
                if client.waiting == 0 {
                    state.addresses[address] = nil
                } else {
                    state.addresses[address] = client
                    state.order.append(address)
                }
                return job
            }
            state.running = false
            return nil
        }
    }

    private static func take(from client: inout Address) -> Job? {
        while !client.order.isEmpty {
            let lane = client.order.removeFirst()
            guard var jobs = client.lanes[lane], !jobs.isEmpty else {
                client.lanes[lane] = nil
                continue
            }
            let job = jobs.removeFirst()
            client.waiting -= 1
            if jobs.isEmpty {
                client.lanes[lane] = nil
            } else {
                client.lanes[lane] = jobs
                client.order.append(lane)
            }
            return job
        }
        return nil
    }
}
