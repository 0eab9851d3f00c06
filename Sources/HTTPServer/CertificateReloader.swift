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
        /// The PEM texts it was made from: files touched or rewritten the same are not loaded again.
        var texts: [String]
        /// Every pair loaded: GnuTLS never frees them and a session may still
        /// use an older one, so all live as long as the server (one per renewal).
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
        let texts = try Self.read(certificateFile: certificateFile, keyFile: keyFile).get()
        let first = try Self.load(texts, certificateFile: certificateFile, keyFile: keyFile).get()
        state = Mutex(State(current: first, texts: texts, loaded: [first], stamp: stamp, checked: .now))
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
            let texts: [String]
            switch Self.read(certificateFile: certificateFile, keyFile: keyFile) {
            case let .success(read): texts = read
            case let .failure(failure):
                return (state.current, ("the changed TLS certificate and key do not load; the previous ones stay in service: \(failure.description)", true))
            }
            guard texts != state.texts else { return (state.current, nil) }
            switch Self.load(texts, certificateFile: certificateFile, keyFile: keyFile) {
            case let .success(loaded):
                state.current = loaded
                state.texts = texts
                state.loaded.append(loaded)
                return (loaded, ("serving the TLS certificate read again from \(certificateFile)", false))
            case let .failure(failure):
                return (state.current, ("the changed TLS certificate and key do not load; the previous ones stay in service: \(failure.description)", true))
            }
        }
        if let message { report(message.0, message.1) }
        return UnsafeMutablePointer(bitPattern: current)
    }

    private static func read(certificateFile: String, keyFile: String) -> Result<[String], Failure> {
        do {
            return .success([try FileContents.text(certificateFile, maxBytes: 1 << 20), try FileContents.text(keyFile, maxBytes: 1 << 20)])
        } catch {
            return .failure(Failure(description: "cannot read: \(error.reason)"))
        }
    }

    private static func load(_ texts: [String], certificateFile: String, keyFile: String) -> Result<UInt, Failure> {
        var credential: UnsafeMutablePointer<cmhd_credential>?
        let result = cmhd_credential_load(texts[0], texts[1], &credential)
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
}
