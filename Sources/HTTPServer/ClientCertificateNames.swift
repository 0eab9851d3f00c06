import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The subject alternative names of a client certificate as exporter-toolkit
/// compares them with `client_allowed_sans`: DNS names, e-mail addresses, IP
/// addresses (as Go prints them: dotted IPv4, IPv4-mapped IPv6 too, and
/// RFC 5952 IPv6) and URIs, from the certificate's DER. The certificate is
/// the client's, so the parsing is bounded and fuzzed.
public enum ClientCertificateNames {
    /// Names read from one certificate at most.
    package static let maxNames = 256
    /// Bytes of one name at most.
    package static let maxNameBytes = 4096

    /// The names, in the certificate's order; nil when the DER is not a certificate.
    public static func of(der: [UInt8]) -> [String]? {
        var certificate: gnutls_x509_crt_t?
        guard gnutls_x509_crt_init(&certificate) == 0, let certificate else { return nil }
        defer { gnutls_x509_crt_deinit(certificate) }
        let imported = der.withUnsafeBufferPointer { buffer -> Int32 in
            var datum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: buffer.baseAddress), size: UInt32(clamping: buffer.count))
            return gnutls_x509_crt_import(certificate, &datum, GNUTLS_X509_FMT_DER)
        }
        guard imported == 0 else { return nil }
        var names: [String] = []
        var buffer = [UInt8](repeating: 0, count: maxNameBytes + 1)
        for sequence in 0..<UInt32(maxNames) {
            var size = buffer.count - 1
            var critical: UInt32 = 0
            let type = gnutls_x509_crt_get_subject_alt_name(certificate, sequence, &buffer, &size, &critical)
            if type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE { break }
            // A name too long for the buffer, or one GnuTLS cannot decode: skipped, never matched.
            guard type >= 0, size <= maxNameBytes else { continue }
            let bytes = Array(buffer[..<size])
            switch gnutls_x509_subject_alt_name_t(rawValue: UInt32(type)) {
            case GNUTLS_SAN_DNSNAME, GNUTLS_SAN_RFC822NAME, GNUTLS_SAN_URI:
                // Go keeps IA5 strings as they are; a NUL inside cannot match a YAML string.
                guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { continue }
                names.append(text)
            case GNUTLS_SAN_IPADDRESS:
                if let text = address(bytes) { names.append(text) }
            default:
                continue
            }
        }
        return names
    }

    /// An IP address SAN as Go's `net.IP.String` prints it.
    static func address(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4:
            return bytes.map(String.init).joined(separator: ".")
        case 16:
            // IPv4-mapped: Go prints the IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let ok = bytes.withUnsafeBufferPointer { buffer in
                inet_ntop(AF_INET6, buffer.baseAddress, &text, socklen_t(text.count)) != nil
            }
            guard ok else { return nil }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default:
            return nil
        }
    }
}
