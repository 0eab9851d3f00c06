public import Foundation

/// A program started by a test (with ``Spawn``, not Foundation's `Process`),
/// its output captured to files, stopped (SIGTERM, then SIGKILL) by
/// ``stop()`` or when the object goes away.
public final class ChildProcess: @unchecked Sendable {
    public let stdoutURL: URL
    public let stderrURL: URL
    public let name: String
    public let pid: Int32
    private let reaper: Reaper

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: URL? = nil) throws {
        let folder = try directory ?? PackagePaths.temporaryDirectory("proc")
        name = URL(fileURLWithPath: executable).lastPathComponent
        stdoutURL = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).out")
        stderrURL = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).err")
        let output = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND
        pid = try Spawn.start(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment, directory: directory?.path,
            stdin: .file(path: "/dev/null", flags: O_RDONLY), stdout: .file(path: stdoutURL.path, flags: output),
            stderr: .file(path: stderrURL.path, flags: output))
        reaper = Reaper(pid: pid)
    }

    deinit { stop() }

    public var isRunning: Bool { reaper.exitStatus == nil }
    /// The exit status (the code, or the signal's number); -1 while running.
    public var terminationStatus: Int32 { reaper.exitStatus ?? -1 }

    /// Starts a server on a fresh free port, retrying with another port when
    /// the program exits early (the port was taken after all).
    public static func startServer(
        attempts: Int = 3, timeout: Duration = .seconds(60),
        _ launch: (_ port: Int) throws -> ChildProcess
    ) async throws -> (ChildProcess, Int) {
        var lastError: any Error = Failure("no attempt made")
        for _ in 0..<attempts {
            let port = FreePort.next()
            let child = try launch(port)
            do {
                try await child.waitForPort(port, timeout: timeout)
                // Listening could be someone else: make sure ours is still alive.
                try await Task.sleep(for: .milliseconds(150))
                if child.isRunning { return (child, port) }
                lastError = Failure("\(child.name) exited after start: \(child.stderr.suffix(500))")
            } catch {
                lastError = error
                child.stop()
            }
        }
        throw lastError
    }

    /// Waits until 127.0.0.1:`port` accepts connections; throws with the
    /// program's output when it exits or the wait times out.
    public func waitForPort(_ port: Int, timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if FreePort.isListening(port) { return }
            if !isRunning {
                throw Failure("\(name) exited with \(terminationStatus) before listening: \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure("\(name) did not listen on \(port) within \(timeout): \(stderr)")
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits up to `timeout` for the exit; returns the exit status.
    @discardableResult
    public func terminate(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> Int32? {
        if let status = reaper.exitStatus { return status }
        kill(pid, signal)
        return await waitForExit(timeout: timeout)
    }

    /// Waits up to `timeout` for the program to exit on its own; its status, or nil.
    public func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let status = reaper.exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // One last look: the loop may have been starved past the deadline.
        return reaper.exitStatus
    }

    /// Sends SIGTERM and returns at once; a thread of its own sends SIGKILL
    /// if the program is still there 2 s later. Never blocks the caller, which
    /// is usually a test's `defer` on Swift's cooperative pool.
    public func stop() {
        guard reaper.exitStatus == nil else { return }
        kill(pid, SIGTERM)
        let reaper = self.reaper
        Thread.detachNewThread {
            for _ in 0..<100 where reaper.exitStatus == nil { usleep(20_000) }
            if reaper.exitStatus == nil {
                kill(reaper.pid, SIGKILL)
                _ = reaper.wait()
            }
        }
    }

    /// A test-setup failure with the reason.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}

/// Runs a command to completion and returns its exit status and combined
/// output. The wait happens on a thread of its own (``blocking(_:)``), never on
/// the cooperative pool that in-process servers under test need.
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) async throws -> (status: Int32, output: String) {
    try await blocking { try runCommandWaiting(executable, arguments, environment: environment, stdin: stdin) }
}

private func runCommandWaiting(_ executable: String, _ arguments: [String], environment: [String: String]?, stdin: String?) throws -> (status: Int32, output: String) {
    var output: [Int32] = [-1, -1], input: [Int32] = [-1, -1]
    guard pipe(&output) == 0 else { throw ChildProcess.Failure("pipe: \(String(cString: strerror(errno)))") }
    guard pipe(&input) == 0 else {
        close(output[0]); close(output[1])
        throw ChildProcess.Failure("pipe: \(String(cString: strerror(errno)))")
    }
    // Not for programs other code of this process starts (ours close all but 0, 1 and 2 anyway).
    for fd in output + input { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let pid: pid_t
    do {
        pid = try Spawn.start(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment, directory: nil,
            stdin: .descriptor(input[0]), stdout: .descriptor(output[1]), stderr: .descriptor(output[1]))
    } catch {
        for fd in output + input { close(fd) }
        throw error
    }
    close(output[1])
    close(input[0])
    // The input is written from a thread of its own, so that a child that
    // writes much before it reads cannot deadlock with us.
    let writer = input[1]
    let text = Array((stdin ?? "").utf8)
    Thread.detachNewThread {
        var offset = 0
        while offset < text.count {
            let written = text[offset...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
        close(writer)
    }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = read(output[0], &buffer, buffer.count)
        if count > 0 { data += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
    }
    close(output[0])
    let status = Reaper(pid: pid).wait()
    return (status, String(decoding: data, as: UTF8.self))
}

/// Runs blocking work (a child process, a socket read) on a thread of its own
/// rather than on Swift's cooperative pool, which has only as many threads as
/// cores and which in-process servers under test need to answer.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
