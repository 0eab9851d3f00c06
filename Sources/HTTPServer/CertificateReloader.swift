import CMicroHTTPD
import Support
import Synchronization

/// The server's certificate and key, read again from `cert_file` and
/// `key_file` when the files change, as exporter-toolkit does: a renewed
/// certificate (cert-manager, certbot) is served without a restart.
///
/// libmicrohttpd asks for the pair at each TLS handshake
/// (`MHD_OPTION_HTTPS_CERT_CALLBACK`). The files are looked at no more than
/// once a second; a pair that does not load (half written, certificate and
/// key not matching yet) leaves the previous one in service, with one log
/// line per change of the files.
final class CertificateReloader: Sendable {
    let certificateFile: String
    let keyFile: String
    private let report: @Sendable (_ message: String, _ failed: Bool) -> Void
    private let state: Mutex<State>

    private struct State {
        /// The `cmhd_credential` in service, as a bit pattern.
        var current: UInt
        /// Every pair loaded: a handshake may still be using an older one,
        /// so all of them live as long as the server (one per renewal).
        var loaded: [UInt]
        var stamp: FileStamp
        var checked: ContinuousClock.Instant
    }

    /// Loads the pair now; throws why it does not load.
    init(certificateFile: String, keyFile: String, report: @escaping @Sendable (_ message: String, _ failed: Bool) -> Void) throws(Failure) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.report = report
        let stamp = FileStamp.of([certificateFile, keyFile])
        let first = try Self.load(certificateFile: certificateFile, keyFile: keyFile).get()
        state = Mutex(State(current: first, loaded: [first], stamp: stamp, checked: .now))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The pair to present, read again first when the files changed.
    func credential() -> UnsafeMutablePointer<cmhd_credential>? {
        let (current, message): (UInt, (String, Bool)?) = state.withLock { state in
            let now = ContinuousClock.now
            guard now - state.checked >= .seconds(1) else { return (state.current, nil) }
            state.checked = now
            let stamp = FileStamp.of([certificateFile, keyFile])
            guard stamp != state.stamp else { return (state.current, nil) }
            state.stamp = stamp
            switch Self.load(certificateFile: certificateFile, keyFile: keyFile) {
            case let .success(loaded):
                state.current = loaded
                state.loaded.append(loaded)
                return (loaded, ("serving the TLS certificate read again from \(certificateFile)", false))
            case let .failure(failure):
                return (state.current, ("the changed TLS certificate and key do not load; the previous ones stay in service: \(failure.description)", true))
            }
        }
        if let message { report(message.0, message.1) }
        return UnsafeMutablePointer(bitPattern: current)
    }

    private static func load(certificateFile: String, keyFile: String) -> Result<UInt, Failure> {
        let certificate: String, key: String
        do {
            certificate = try FileContents.text(certificateFile, maxBytes: 1 << 20)
            key = try FileContents.text(keyFile, maxBytes: 1 << 20)
        } catch {
            return .failure(Failure(description: "cannot read: \(error.reason)"))
        }
        var credential: UnsafeMutablePointer<cmhd_credential>?
        let result = cmhd_credential_load(certificate, key, &credential)
        guard result == 0, let credential else {
            return .failure(Failure(description: "\(certificateFile) and \(keyFile) do not load as a PEM certificate and its key: \(String(cString: gnutls_strerror(result)))"))
        }
        return .success(UInt(bitPattern: credential))
    }

    deinit {
        for credential in state.withLock({ $0.loaded }) {
            cmhd_credential_free(UnsafeMutablePointer(bitPattern: credential))
        }
    }

    // MARK: Which reloader a handshake belongs to

    /// By listen socket: registered before the daemon starts, so that no
    /// handshake finds none, and removed before the socket closes.
    private static let registry = Mutex<[Int32: CertificateReloader]>([:])

    static func register(_ reloader: CertificateReloader, listenDescriptor: Int32) {
        registry.withLock { $0[listenDescriptor] = reloader }
    }

    static func unregister(listenDescriptor: Int32) {
        registry.withLock { $0[listenDescriptor] = nil }
    }

    static func serving(listenDescriptor: Int32) -> CertificateReloader? {
        registry.withLock { $0[listenDescriptor] }
    }
}
