/// Polls `condition` every 20 ms until it holds (a condition, not a fixed
/// sleep); throws after `timeout`, with `what` in the failure.
public func waitUntil(timeout: Duration, _ what: @autoclosure () -> String = "condition", _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw ChildProcess.Failure("\(what()) not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
