#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sockets passed by systemd socket activation (`sd_listen_fds(3)`):
/// `LISTEN_PID` names this process and `LISTEN_FDS` counts descriptors from 3.
public enum SystemdSockets {
    /// Why no sockets could be taken.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The passed descriptors. The variables are removed afterwards so that
    /// child processes (a `credential_process` helper) do not see them.
    public static func take() throws(Failure) -> [Int32] {
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }), let fdsText = getenv("LISTEN_FDS").map({ String(cString: $0) }) else {
            throw Failure(description: "--web.systemd-socket needs LISTEN_PID and LISTEN_FDS from systemd (start the exporter from a .socket unit)")
        }
        guard let pid = Int32(pidText), pid == getpid() else {
            throw Failure(description: "LISTEN_PID \(pidText) is not this process (\(getpid()))")
        }
        guard let count = Int32(fdsText), count >= 1, count <= 64 else {
            throw Failure(description: "LISTEN_FDS \(fdsText) is not a count of 1 to 64 sockets")
        }
        let descriptors = (0..<count).map { 3 + $0 }
        for descriptor in descriptors {
            // Keep them from leaking into child processes.
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        return descriptors
    }
}
