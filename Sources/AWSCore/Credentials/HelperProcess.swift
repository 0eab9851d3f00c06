import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper command (`credential_process`) with `/bin/sh -c`, in a
/// process group of its own, on a thread of its own, and collects its output.
///
/// At the timeout the whole group is killed, so a helper waiting on an MFA
/// prompt, or a background grandchild still holding the pipes, ends with it.
/// Nothing here waits on Swift's cooperative pool.
enum HelperProcess {
    struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        let status: Int32
        let stdout: [UInt8]
        let stderr: [UInt8]
        let timedOut: Bool
    }

    /// Why the helper could not be started.
    struct Failure: Error {
        let reason: String
    }

    /// Bytes kept of each stream; a helper printing more is cut off there.
    static let maxOutputBytes = 256 * 1024

    static func run(_ command: String, timeout: Duration) async -> Result<Outcome, Failure> {
        await DedicatedThread.run(name: "credential-proc") { runBlocking(command, timeout: timeout) }
    }

    static func runBlocking(_ command: String, timeout: Duration) -> Result<Outcome, Failure> {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // Close-on-exec from the start, in one call (a socket pair: Swift's
        // Glibc module has no pipe2): a helper spawned by another thread in
        // between never inherits these. Only the child's copies (dup2'd to 1
        // and 2) outlive its exec.
        func channel(_ ends: inout [Int32]) -> Bool {
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0
        }
        guard channel(&outPipe) else { return .failure(Failure(reason: "cannot create a pipe: \(String(cString: strerror(errno)))")) }
        guard channel(&errPipe) else {
            close(outPipe[0]); close(outPipe[1])
            return .failure(Failure(reason: "cannot create a pipe: \(String(cString: strerror(errno)))"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group (to kill it whole), and default signal
        // handling: the exporter ignores some signals, and ignored signals
        // would otherwise be inherited.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)

        var pid: pid_t = 0
        let arguments = ["sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0]); close(errPipe[0])
            return .failure(Failure(reason: "cannot start /bin/sh: \(String(cString: strerror(spawned)))"))
        }
        defer { close(outPipe[0]); close(errPipe[0]) }

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var exitStatus: Int32?
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while exitStatus == nil || !open.isEmpty {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                timedOut = true
                break
            }
            if !open.isEmpty {
                var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                let wait = min(Int32(remaining / .milliseconds(1)) + 1, exitStatus == nil ? 50 : 1000)
                let ready = poll(&fds, nfds_t(fds.count), wait)
                if ready < 0, errno != EINTR { break }
                for entry in fds where entry.revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if entry.fd == outPipe[0] {
                            stdout += buffer[0..<min(count, max(0, maxOutputBytes - stdout.count))]
                        } else {
                            stderr += buffer[0..<min(count, max(0, maxOutputBytes - stderr.count))]
                        }
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        open.removeAll { $0 == entry.fd }
                    }
                }
            } else {
                usleep(10_000)
            }
            if exitStatus == nil { exitStatus = reap(pid, wait: false) }
        }
        if timedOut || exitStatus == nil {
            // The whole group: the shell, the helper and anything they started.
            kill(-pid, SIGKILL)
            exitStatus = reap(pid, wait: true)
        }
        return .success(Outcome(status: exitStatus ?? -1, stdout: stdout, stderr: stderr, timedOut: timedOut))
    }

    /// The child's status once it has ended; nil while it runs.
    static func reap(_ pid: pid_t, wait: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, wait ? 0 : WNOHANG)
            if result < 0, errno == EINTR { continue }
            guard result == pid else { return result < 0 ? -1 : nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
            let signal = status & 0x7F
            return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        }
    }
}
