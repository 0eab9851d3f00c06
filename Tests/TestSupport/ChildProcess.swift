public import Foundation

/// A program started by a test, with its output captured to files, stopped
/// (SIGTERM, then SIGKILL) by ``stop()`` or when the object goes away.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    public let stdoutURL: URL
    public let stderrURL: URL
    public let name: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: URL? = nil) throws {
        let folder = try directory ?? PackagePaths.temporaryDirectory("proc")
        name = URL(fileURLWithPath: executable).lastPathComponent
        stdoutURL = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).out")
        stderrURL = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
    }

    /// Starts `process`, one launch at a time: Foundation's `Process.run()` on
    /// Linux is not safe to call from several threads at once (tests run in
    /// parallel crashed in its memcpy while another launch was under way).
    public static func launch(_ process: Process) throws {
        launching.lock()
        defer { launching.unlock() }
        try process.run()
    }

    private static let launching = NSLock()

    deinit { stop() }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

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
            if !process.isRunning {
                throw Failure("\(name) exited with \(process.terminationStatus) before listening: \(stderr)")
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
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        return await waitForExit(timeout: timeout)
    }

    /// Waits up to `timeout` for the program to exit on its own; its status, or nil.
    public func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // One last look: the loop may have been starved past the deadline.
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends SIGTERM and returns at once; a thread of its own sends SIGKILL
    /// if the program is still there 2 s later. Never blocks the caller, which
    /// is usually a test's `defer` on Swift's cooperative pool.
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let process = self.process
        Thread.detachNewThread {
            for _ in 0..<100 where process.isRunning { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let input = Pipe()
    process.standardInput = input
    try ChildProcess.launch(process)
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs blocking work (a child process, a socket read) on a thread of its own
/// rather than on Swift's cooperative pool, which has only as many threads as
/// cores and which in-process servers under test need to answer.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
