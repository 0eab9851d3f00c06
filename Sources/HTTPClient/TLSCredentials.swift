package import CGnuTLS
import Support

/// The CAs a TLS client trusts: the system's, or a PEM bundle
/// (`AWS_CA_BUNDLE`). Loaded once, on the first `https` request, and shared
/// by every session; GnuTLS allows that across threads.
package final class TLSCredentials: @unchecked Sendable {
    package let handle: gnutls_certificate_credentials_t

    package init(caBundle: String?) throws(HTTPClientError) {
        var created: gnutls_certificate_credentials_t?
        let allocated = gnutls_certificate_allocate_credentials(&created)
        guard allocated == 0, let created else {
            throw .transport("TLS set-up failed: \(String(cString: gnutls_strerror(allocated)))")
        }
        handle = created
        let loaded: Int32
        if let caBundle {
            loaded = gnutls_certificate_set_x509_trust_file(created, caBundle, GNUTLS_X509_FMT_PEM)
        } else {
            loaded = gnutls_certificate_set_x509_system_trust(created)
        }
        guard loaded > 0 else {
            let source = caBundle.map { "the CA bundle \($0.bounded(maxBytes: 200))" } ?? "the system's trusted CAs"
            let reason = loaded < 0 ? String(cString: gnutls_strerror(loaded)) : "no certificate in it"
            throw .transport("cannot load \(source): \(reason)")
        }
    }

    deinit {
        gnutls_certificate_free_credentials(handle)
    }
}
