package import CGnuTLS
import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection, TLS on top when the URL is `https`, read and written
/// with a deadline and a cancellation descriptor: every wait is a `poll` on
/// the socket and the cancel descriptor together, so nothing blocks past
/// either. Used by one request at a time (the pool hands it out).
package final class Connection: @unchecked Sendable {
    let descriptor: Int32
    private(set) var session: gnutls_session_t?
    /// The name the certificate is checked against: GnuTLS keeps the pointer
    /// for the session's lifetime, so it lives as long as the session.
    private var verifiedName: UnsafeMutablePointer<CChar>?
    /// With an https:// proxy: the TLS session to the proxy, inside which
    /// `session` (TLS to the target, through the CONNECT tunnel) runs.
    private var outer: gnutls_session_t?
    private var outerName: UnsafeMutablePointer<CChar>?
    /// When it went back to the pool.
    var idleSince = ContinuousClock.now
    /// The TLS peer closed the connection without close_notify: what came
    /// last may have been cut by anyone on the path.
    private(set) var endedWithoutCloseNotify = false

    /// Takes ownership of a connected socket (also how the fuzz harness feeds the reader).
    package init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        if let session { gnutls_deinit(session) }
        if let outer { gnutls_deinit(outer) }
        free(verifiedName)
        free(outerName)
        Glibc.close(descriptor)
    }

    /// Why an I/O wait ended early.
    enum Interruption: Error {
        case cancelled
        case timedOut
    }

    // MARK: Connecting

    /// Resolves `host` and connects to the first address that answers within
    /// `deadline`. Blocking: call it on a thread of its own.
    static func open(host: String, port: Int, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) -> Connection {
        let addresses: [AddressLookup.Address]
        switch AddressLookup.resolve(host: host, port: port, configuredFamiliesOnly: true) {
        case let .success(found): addresses = found
        case let .failure(error): throw .transport("Could not resolve host \(host.bounded(maxBytes: 100)): \(error.message)")
        }
        var lastError = "no address"
        for (index, address) in addresses.enumerated() {
            // Each address gets its share of what is left, so that one that
            // never answers (a blackholed IPv6 route) leaves time for the next.
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let share = ContinuousClock.now.advanced(by: remaining / (addresses.count - index))
            let fd = socket(address.family, address.socketType | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), address.protocolNumber)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            let connection = Connection(descriptor: fd)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if address.withSocketAddress({ connect(fd, $0, $1) }) == 0 { return connection }
            guard errno == EINPROGRESS else { lastError = String(cString: strerror(errno)); continue }
            do {
                try connection.wait(for: Int16(POLLOUT), deadline: share, cancel: cancel)
            } catch {
                switch error {
                case .cancelled: throw .cancelled
                case .timedOut:
                    lastError = "timed out"
                    continue
                }
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
            if socketError == 0 { return connection }
            lastError = String(cString: strerror(socketError))
        }
        if lastError == "timed out" { throw .timedOut("connecting to \(host.bounded(maxBytes: 100)):\(port)") }
        throw .transport("Could not connect to \(host.bounded(maxBytes: 100)):\(port): \(lastError)")
    }

    /// The TLS handshake, verifying the certificate against `host`.
    package func startTLS(host: String, credentials: gnutls_certificate_credentials_t, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) {
        var created: gnutls_session_t?
        let literal = IPAddress(host) != nil
        guard let name = strdup(host) else { throw .transport("TLS set-up failed: out of memory") }
        verifiedName = name
        let result = cgnutls_client_session(&created, credentials, name, literal ? 1 : 0, descriptor)
        guard result == 0, let created else { throw .transport("TLS set-up failed: \(String(cString: gnutls_strerror(result)))") }
        session = created
        try handshake(created, host: host, deadline: deadline, cancel: cancel)
    }

    /// TLS to the target inside the TLS session to an https:// proxy (after
    /// its CONNECT answered 200): the proxy's session becomes the transport.
    func startTunnelledTLS(host: String, credentials: gnutls_certificate_credentials_t, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) {
        guard let proxySession = session, outer == nil else { throw .transport("no TLS session to the proxy to tunnel through") }
        outer = proxySession
        outerName = verifiedName
        session = nil
        verifiedName = nil
        var created: gnutls_session_t?
        guard let name = strdup(host) else { throw .transport("TLS set-up failed: out of memory") }
        verifiedName = name
        let result = cgnutls_client_session_tunnelled(&created, credentials, name, IPAddress(host) != nil ? 1 : 0, proxySession)
        guard result == 0, let created else { throw .transport("TLS set-up failed: \(String(cString: gnutls_strerror(result)))") }
        session = created
        try handshake(created, host: host, deadline: deadline, cancel: cancel)
    }

    private func handshake(_ created: gnutls_session_t, host: String, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) {
        while true {
            guard ContinuousClock.now < deadline else { throw .timedOut("the TLS handshake with \(host.bounded(maxBytes: 100))") }
            let code = gnutls_handshake(created)
            if code == GNUTLS_E_SUCCESS { return }
            if code == GNUTLS_E_AGAIN || code == GNUTLS_E_INTERRUPTED {
                try waitForSession(deadline: deadline, cancel: cancel, doing: "the TLS handshake with \(host.bounded(maxBytes: 100))")
                continue
            }
            if code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR {
                var buffer = [CChar](repeating: 0, count: 512)
                cgnutls_verify_problem(created, &buffer, buffer.count)
                throw .transport("TLS: the certificate of \(host.bounded(maxBytes: 100)) is not trusted: \(String(nulTerminated: buffer))")
            }
            if gnutls_error_is_fatal(code) != 0 {
                throw .transport("TLS handshake with \(host.bounded(maxBytes: 100)) failed: \(String(cString: gnutls_strerror(code)))")
            }
        }
    }

    // MARK: I/O

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            // Checked on every write, not only when the socket would block.
            guard ContinuousClock.now < deadline else { throw .timedOut("sending the request") }
            let written: Int
            if let session {
                let result = bytes[offset...].withUnsafeBytes { gnutls_record_send(session, $0.baseAddress, $0.count) }
                if result == Int(GNUTLS_E_AGAIN) || result == Int(GNUTLS_E_INTERRUPTED) {
                    try waitForSession(deadline: deadline, cancel: cancel, doing: "sending the request")
                    continue
                }
                guard result >= 0 else { throw .transport("TLS send failed: \(String(cString: gnutls_strerror(Int32(result))))") }
                written = result
            } else {
                let result = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if result < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                        try waitMapped(Int16(POLLOUT), deadline: deadline, cancel: cancel, doing: "sending the request")
                        continue
                    }
                    throw .transport("send failed: \(String(cString: strerror(errno)))")
                }
                written = result
            }
            offset += written
        }
    }

    /// Reads what is there (at least one byte, or 0 at the end of the stream).
    /// With `waitFirst` (nothing expected yet), waits for the socket before
    /// the first read, unless TLS holds bytes already decrypted.
    func receive(
        into buffer: inout [UInt8], deadline: ContinuousClock.Instant, cancel: Cancellation, waitFirst: Bool = false
    ) throws(HTTPClientError) -> Int {
        if waitFirst, session.map({ gnutls_record_check_pending($0) == 0 }) ?? true, outer.map({ gnutls_record_check_pending($0) == 0 }) ?? true {
            try waitMapped(Int16(POLLIN), deadline: deadline, cancel: cancel, doing: "waiting for the answer")
        }
        while true {
            if let session {
                let result = buffer.withUnsafeMutableBytes { gnutls_record_recv(session, $0.baseAddress, $0.count) }
                if result >= 0 { return result }
                if result == Int(GNUTLS_E_AGAIN) || result == Int(GNUTLS_E_INTERRUPTED) {
                    try waitForSession(deadline: deadline, cancel: cancel, doing: "waiting for the answer")
                    continue
                }
                // A peer that closes without close_notify: the end of the stream,
                // remembered, since an answer framed by that end may be truncated.
                if result == Int(GNUTLS_E_PREMATURE_TERMINATION) {
                    endedWithoutCloseNotify = true
                    return 0
                }
                throw .transport("TLS receive failed: \(String(cString: gnutls_strerror(Int32(result))))")
            }
            let result = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if result >= 0 { return result }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try waitMapped(Int16(POLLIN), deadline: deadline, cancel: cancel, doing: "waiting for the answer")
                continue
            }
            throw .transport("receive failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Bytes TLS has decrypted already and not handed out: a wait for the
    /// socket would not see them.
    var hasDecryptedInput: Bool {
        if let session, gnutls_record_check_pending(session) > 0 { return true }
        if let outer, gnutls_record_check_pending(outer) > 0 { return true }
        return false
    }

    /// Whether a pooled connection is still usable: nothing readable (the
    /// server closed it, or sent something it should not have) and no error.
    var isReusable: Bool {
        if let session, gnutls_record_check_pending(session) > 0 { return false }
        if let outer, gnutls_record_check_pending(outer) > 0 { return false }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    private func waitForSession(deadline: ContinuousClock.Instant, cancel: Cancellation, doing what: String) throws(HTTPClientError) {
        guard let session else { return }
        // Bytes the proxy's session already decrypted are not on the socket: no wait.
        if let outer, gnutls_record_check_pending(outer) > 0 { return }
        // 0: GnuTLS was reading; 1: writing.
        let events = gnutls_record_get_direction(session) == 1 ? Int16(POLLOUT) : Int16(POLLIN)
        try waitMapped(events, deadline: deadline, cancel: cancel, doing: what)
    }

    private func waitMapped(_ events: Int16, deadline: ContinuousClock.Instant, cancel: Cancellation, doing what: String) throws(HTTPClientError) {
        do {
            try wait(for: events, deadline: deadline, cancel: cancel)
        } catch {
            switch error {
            case .cancelled: throw .cancelled
            case .timedOut: throw .timedOut(what)
            }
        }
    }

    /// Waits until the socket is ready for `events`, the cancel descriptor
    /// fires, or the deadline passes.
    ///
    /// The cancel descriptor is the thread's: a signal on it is this
    /// request's only when its flag is raised (raised before the signal is
    /// sent). Otherwise it was meant for a task of the same thread waiting
    /// for its socket (``WorkerThreads/awaitReadable(_:)``, which checks its
    /// own flag), or is left from one: drained, and the wait goes on.
    func wait(for events: Int16, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(Interruption) {
        while true {
            if cancel.isRaised { throw .cancelled }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut }
            var entries = [pollfd(fd: descriptor, events: events, revents: 0), pollfd(fd: cancel.descriptor, events: Int16(POLLIN), revents: 0)]
            let milliseconds = Int32(min(remaining / .milliseconds(1) + 1, 60_000))
            let ready = poll(&entries, 2, milliseconds)
            if ready < 0 { if errno == EINTR { continue } else { return } }
            if entries[1].revents != 0 {
                if cancel.isRaised { throw .cancelled }
                cancel.drain()
            }
            if entries[0].revents != 0 { return }
        }
    }
}
