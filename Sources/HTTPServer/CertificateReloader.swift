import CMicroHTTPD
import Support
import Synchronization

/// The server's certificate and key, given to libmicrohttpd at each TLS
/// handshake (`MHD_OPTION_HTTPS_CERT_CALLBACK`). When they came from
/// `cert_file` and `key_file`, the files are read again when they change, as
/// exporter-toolkit does: a renewed certificate (cert-manager, certbot) is
/// served without a restart.
///
/// The files are looked at no more than once a second, by the server's
/// sweeper thread (never on libmicrohttpd's thread during a handshake); a
/// pair that does not load (half written, certificate and key not matching
/// yet) leaves the previous one in service, with one log line per change of
/// the files.
final class CertificateReloader: Sendable {
    /// Nil for a pair given in memory: it never changes.
    let files: (certificate: String, key: String)?
    private let report: @Sendable (_ message: String, _ failed: Bool) -> Void
    private let state: Locked<State>

    private struct State {
        /// The `cmhd_credential` in service, as a bit pattern.
        var current: UInt
        /// The PEM texts it was made from: files touched or rewritten the same are not loaded again.
        var texts: [String]
        /// Every pair loaded: GnuTLS never frees them and a session may still
        /// use an older one, so all live as long as the server (one per renewal).
        var loaded: [UInt]
        var stamp: FileStamp
        var checked: ContinuousClock.Instant
    }

    /// Loads the pair now (from the files when `tls` names them, read again
    /// after the stamp so that no change is missed); throws why it does not load.
    init(_ tls: TLSConfiguration, report: @escaping @Sendable (_ message: String, _ failed: Bool) -> Void) throws(Failure) {
        files = tls.files
        self.report = report
        let stamp = FileStamp.of(files.map { [$0.certificate, $0.key] } ?? [])
        let texts = try files.map { files throws(Failure) in try Self.read(files).get() } ?? [tls.certificate, tls.key]
        let first = try Self.load(texts).get()
        state = Locked(State(current: first, texts: texts, loaded: [first], stamp: stamp, checked: .now))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The pair to present: no file is read here (this runs on libmicrohttpd's
    /// thread, at each handshake), only the pair in service is taken.
    func credential() -> UnsafeMutablePointer<cmhd_credential>? {
        UnsafeMutablePointer(bitPattern: state.withLock { $0.current })
    }

    /// Reads the files again when they changed, at most once a second, and
    /// puts a pair that loads in service. Called from the server's sweeper
    /// thread, never libmicrohttpd's; the files are read outside the lock.
    func refresh() {
        guard let files else { return }
        let now = ContinuousClock.now
        let previous: (stamp: FileStamp, texts: [String])? = state.withLock { state in
            guard now - state.checked >= .seconds(1) else { return nil }
            state.checked = now
            return (state.stamp, state.texts)
        }
        guard let previous else { return }
        let stamp = FileStamp.of([files.certificate, files.key])
        guard stamp != previous.stamp else { return }
        let refused = "the changed TLS certificate and key \(files.certificate) and \(files.key) do not load; the previous ones stay in service"
        let texts: [String]
        switch Self.read(files) {
        case let .success(read): texts = read
        case let .failure(failure):
            state.withLock { $0.stamp = stamp }
            report("\(refused): \(failure.description)", true)
            return
        }
        guard texts != previous.texts else {
            state.withLock { $0.stamp = stamp }
            return
        }
        switch Self.load(texts) {
        case let .success(loaded):
            state.withLock { state in
                state.stamp = stamp
                state.current = loaded
                state.texts = texts
                state.loaded.append(loaded)
            }
            report("serving the TLS certificate read again from \(files.certificate)", false)
        case let .failure(failure):
            state.withLock { $0.stamp = stamp }
            report("\(refused): \(failure.description)", true)
        }
    }

    private static func read(_ files: (certificate: String, key: String)) -> Result<[String], Failure> {
        do {
            return .success([try FileContents.text(files.certificate, maxBytes: 1 << 20), try FileContents.text(files.key, maxBytes: 1 << 20)])
        } catch {
            return .failure(Failure(description: "cannot read: \(error.reason)"))
        }
    }

    private static func load(_ texts: [String]) -> Result<UInt, Failure> {
        var credential: UnsafeMutablePointer<cmhd_credential>?
        let result = cmhd_credential_load(texts[0], texts[1], &credential)
        guard result == 0, let credential else {
            return .failure(Failure(description: "not a PEM certificate and its key: \(String(cString: gnutls_strerror(result)))"))
        }
        return .success(UInt(bitPattern: credential))
    }

    deinit {
        for credential in state.withLock({ $0.loaded }) {
            cmhd_credential_free(UnsafeMutablePointer(bitPattern: credential))
        }
    }
}
