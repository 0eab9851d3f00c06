import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnActionsAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnActionsAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// Starts programs for the tests with `posix_spawn`, not Foundation's
/// `Process`: Swift 6.3.1's `Process.run()` reads past the end of a
/// `readdir` buffer while it lists `/proc/self/fd` (swift-corelibs-foundation
/// pull request 5472), which crashed the test process now and then, the more
/// often the more descriptors were open (tests in parallel). The child gets
/// descriptors 0, 1 and 2 as given and no other (`closefrom` 3), a clean
/// signal mask and default signal actions, and is reaped with `waitpid`.
enum Spawn {
    /// What a descriptor of the child is: a file opened for it, or one of ours duplicated.
    enum Stream {
        case file(path: String, flags: Int32)
        case descriptor(Int32)
    }

    static func start(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String?,
        stdin: Stream, stdout: Stream, stderr: Stream
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case let .file(path, flags): posix_spawn_file_actions_addopen(&actions, target, path, flags, 0o644)
            case let .descriptor(fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        _ = spawnActionsAddCloseFrom(&actions, 3)
        if let directory { _ = directory.withCString { spawnActionsAddChdir(&actions, $0) } }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcess.Failure("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    /// The exit status as Foundation's `Process` reports it: the code, or the signal's number.
    static func status(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : signal
    }
}

/// A child's exit, once reaped.
final class Reaper: Sendable {
    let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    init(pid: pid_t) { self.pid = pid }

    /// The exit status when the child has ended (reaping it), nil while it runs.
    var exitStatus: Int32? {
        status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                let result = waitpid(pid, &raw, WNOHANG)
                if result == pid { status = Spawn.status(raw) } else if result < 0 { status = -1 }
            }
            return status
        }
    }

    /// Waits for the exit, blocking the calling thread.
    func wait() -> Int32 {
        var raw: Int32 = 0
        while true {
            if let done = status.withLock({ $0 }) { return done }
            let result = waitpid(pid, &raw, 0)
            if result == pid {
                let code = Spawn.status(raw)
                status.withLock { $0 = code }
                return code
            }
            if result < 0, errno != EINTR { return exitStatus ?? -1 }
        }
    }
}
