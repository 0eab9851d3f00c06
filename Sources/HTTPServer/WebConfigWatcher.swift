import Logging
import Support
import Synchronization

/// The web config in service, read again when its file changes, as
/// exporter-toolkit does: the toolkit reads the file for every request (users,
/// headers) and its TLS settings for every new connection.
///
/// Here the file's stamp (``FileStamp``: the config and `client_ca_file`) is
/// looked at before each request, and by the server's sweeper thread once a
/// second (more often with timeouts under 4 s) for new connections; when it changed, the file is read and
/// checked again on a thread of its own (bcrypt hashes are checked, never on
/// the cooperative pool, nor on the sweeper), and a request waits for it at
/// most ``maxWait`` before it is served with the settings in service. Users, headers and
/// `rate_limit` apply to the next request; TLS settings (certificate source,
/// client CAs, client auth type, versions, suites, curves, allowed names) to
/// connections accepted after the change is seen. A file that becomes
/// invalid leaves the last good settings in service, said once; when it
/// is valid again, that is said too. TLS cannot be turned on or off while
/// the server runs (the listening daemons are HTTP or HTTPS): the rest of
/// such a file applies, and the log says to restart.
final class WebConfigWatcher: Sendable {
    /// What requests and new connections use.
    struct Generation: Sendable {
        let configuration: WebConfiguration
        /// Nil when `rate_limit` is off.
        let rateLimiter: RateLimiter?
        /// Rate limit first, then basic authentication, as in exporter-toolkit.
        let stages: [any HTTPMiddleware]
        /// For new TLS connections; nil when serving plain HTTP.
        let tls: TLSContext?
        var headers: [(name: String, value: String)] { configuration.headers }
    }

    private struct State {
        var generation: Generation
        /// The files as last read (successfully or not).
        var stamp: FileStamp
        var paths: [String]
        /// The problem last logged, while the file is invalid.
        var problem: String?
        var loading = false
        /// Requests waiting for the file to be read, by id (a timed-out one removes itself).
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    /// Nil for a configuration given in memory: it never changes.
    let path: String?
    let servesTLS: Bool
    let logger: Logger
    private let state: Locked<State>

    init(_ configuration: WebConfiguration, path: String?, logger: Logger) throws(TLSContext.Failure) {
        self.path = path
        self.logger = logger
        servesTLS = configuration.tls != nil
        let paths = path.map { [$0] + configuration.watchedFiles } ?? []
        let stamp = FileStamp.of(paths)
        let tls = try configuration.tls.map { tls throws(TLSContext.Failure) in
            try TLSContext(tls, certificates: Self.certificates(tls, logger: logger), logger: logger)
        }
        let generation = Self.generation(configuration, tls: tls, previous: nil)
        state = Locked(State(generation: generation, stamp: stamp, paths: paths))
    }

    /// The settings in service, without looking at the file.
    var current: Generation { state.withLock { $0.generation } }

    /// How long a request waits for a changed file to be read before it is
    /// served with the settings in service: reading checks bcrypt hashes, and
    /// a file full of costly ones must not hold scrapes up.
    static let maxWait: Duration = .seconds(1)

    /// The settings for a request: when the file changed, it is read again
    /// first (on a thread of its own), waiting at most ``maxWait``.
    func forRequest() async -> Generation {
        if changed() { await reload() }
        return current
    }

    /// Starts reading the file again if it changed, on a thread of its own;
    /// for the sweeper thread, which must not wait for bcrypt. An unchanged
    /// file costs a few `stat` calls and starts no thread.
    func refresh() {
        if changed() { startLoading() }
    }

    /// Whether the files differ from when they were last read.
    private func changed() -> Bool {
        guard path != nil else { return false }
        let (stamp, paths) = state.withLock { ($0.stamp, $0.paths) }
        return FileStamp.of(paths) != stamp
    }

    /// Starts the loading thread unless one runs; false when none could start.
    @discardableResult
    private func startLoading() -> Bool {
        let start = state.withLock { state -> Bool in
            guard !state.loading else { return false }
            state.loading = true
            return true
        }
        guard start else { return true }
        if DedicatedThread.start(name: "web-config", { self.loadWhileAsked() }) { return true }
        // No thread: nobody reads the file now; the next request or sweep tries again.
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.loading = false
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        return false
    }

    /// Waits for the file to be read again, at most ``maxWait``.
    private func reload() async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timeout = Task {
            try? await Task.sleep(for: Self.maxWait)
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { $0.waiters[id] = continuation }
            startLoading()
        }
        timeout.cancel()
    }

    /// Reads the file if it changed, until nobody waits any more.
    private func loadWhileAsked() {
        while true {
            loadIfChanged()
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
                guard !state.waiters.isEmpty else {
                    state.loading = false
                    return nil
                }
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            guard let waiters else { return }
            for waiter in waiters { waiter.resume() }
        }
    }

    private func loadIfChanged() {
        guard let path else { return }
        let (previousStamp, paths, previous, previousProblem) = state.withLock { ($0.stamp, $0.paths, $0.generation, $0.problem) }
        let stamp = FileStamp.of(paths)
        guard stamp != previousStamp else { return }
        do throws(WebConfigurationError) {
            let configuration = try WebConfiguration.load(path: path, previous: previous.configuration)
            let newPaths = [path] + configuration.watchedFiles
            var tls = previous.tls
            if let new = configuration.tls, servesTLS {
                if let old = previous.tls, new.sameSettings(as: old.configuration) {
                    tls = old
                } else {
                    let certificates: CertificateReloader
                    if let old = previous.tls, Self.samePair(new, old.configuration) {
                        certificates = old.certificates
                    } else {
                        do {
                            certificates = try Self.certificates(new, logger: logger)
                        } catch {
                            throw WebConfigurationError(file: path, line: nil, problem: error.description)
                        }
                    }
                    do {
                        tls = try TLSContext(new, certificates: certificates, logger: logger)
                    } catch {
                        throw WebConfigurationError(file: path, line: nil, problem: error.description)
                    }
                }
            } else if (configuration.tls != nil) != servesTLS {
                logger.warning(
                    "the web config file turns TLS \(servesTLS ? "off" : "on"), which cannot change while the server runs: it goes on serving \(servesTLS ? "HTTPS with the previous TLS settings" : "plain HTTP"); the rest of the file is in service; restart to change",
                    metadata: ["file": "\(path)"])
            }
            let generation = Self.generation(configuration, tls: tls, previous: previous)
            state.withLock { state in
                state.generation = generation
                state.stamp = newPaths == paths ? stamp : FileStamp.of(newPaths)
                state.paths = newPaths
                state.problem = nil
            }
            if previousProblem != nil {
                logger.info("the web config file is valid again; its settings are in service", metadata: ["file": "\(path)"])
            } else {
                logger.info("read the changed web config file; its settings are in service", metadata: ["file": "\(path)"])
            }
            for warning in configuration.warnings where !previous.configuration.warnings.contains(warning) {
                logger.warning("web config", metadata: ["file": "\(path)", "warning": "\(warning)"])
            }
        } catch {
            let problem = error.description
            state.withLock { state in
                state.stamp = stamp
                state.problem = problem
            }
            // Once per problem, not per request: the file is not read again until it changes.
            if problem != previousProblem {
                logger.error("the web config file is invalid; the last good settings stay in service", metadata: ["err": "\(problem)"])
            }
        }
    }

    private static func generation(_ configuration: WebConfiguration, tls: TLSContext?, previous: Generation?) -> Generation {
        var rateLimiter: RateLimiter?
        if let settings = configuration.rateLimit {
            // Unchanged settings keep the bucket, and the tokens it holds.
            rateLimiter = previous?.rateLimiter?.settings == settings ? previous?.rateLimiter : RateLimiter(settings)
        }
        var stages: [any HTTPMiddleware] = []
        if let rateLimiter { stages.append(rateLimiter) }
        if let basicAuth = configuration.basicAuth { stages.append(basicAuth) }
        return Generation(configuration: configuration, rateLimiter: rateLimiter, stages: stages, tls: tls)
    }

    /// Whether two configurations take the certificate and key from the same files (or the same inline texts).
    private static func samePair(_ a: TLSConfiguration, _ b: TLSConfiguration) -> Bool {
        if let files = a.files, let other = b.files { return files == other }
        return a.files == nil && b.files == nil && a.certificate == b.certificate && a.key == b.key
    }

    private static func certificates(_ tls: TLSConfiguration, logger: Logger) throws(TLSContext.Failure) -> CertificateReloader {
        do {
            return try CertificateReloader(tls) { message, failed in
                if failed { logger.error("\(message)") } else { logger.info("\(message)") }
            }
        } catch {
            throw TLSContext.Failure(description: error.description)
        }
    }
}
