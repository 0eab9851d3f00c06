import CGnuTLS

/// SHA-256 and HMAC-SHA-256 through GnuTLS, the TLS library already linked
/// for HTTPS, rather than a second crypto library in the binary: the one
/// digest wrapper of the project (SigV4, remembered basic-auth passwords,
/// and SHA-1 for the names of the AWS CLI's SSO cache files).
public enum Digest {
    /// SHA-1 of `data`: only where a file format names it (the AWS CLI's SSO
    /// token cache), never for security.
    public static func sha1(_ data: some Collection<UInt8>) -> [UInt8] {
        hash(GNUTLS_DIG_SHA1, size: 20, data)
    }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        hash(GNUTLS_DIG_SHA256, size: 32, data)
    }

    private static func hash(_ algorithm: gnutls_digest_algorithm_t, size: Int, _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        let input = Array(data)
        input.withUnsafeBytes { bytes in
            out.withUnsafeMutableBytes { digest in
                // Cannot fail for a built-in algorithm with valid buffers.
                _ = gnutls_hash_fast(algorithm, bytes.baseAddress, bytes.count, digest.baseAddress)
            }
        }
        return out
    }

    /// HMAC-SHA-256 of `data` under `key`.
    public static func hmacSHA256(key: [UInt8], _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let input = Array(data)
        key.withUnsafeBytes { keyBytes in
            input.withUnsafeBytes { bytes in
                out.withUnsafeMutableBytes { digest in
                    _ = gnutls_hmac_fast(GNUTLS_MAC_SHA256, keyBytes.baseAddress, keyBytes.count, bytes.baseAddress, bytes.count, digest.baseAddress)
                }
            }
        }
        return out
    }

    /// Lower-case hexadecimal. (An array, not any sequence: a generic
    /// function of another module runs unspecialized, through the iterator
    /// protocol a byte at a time, 16,000 instructions for a SHA-256.)
    /// Appends the lower-case hex of `bytes` to `out`.
    public static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        @inline(__always) func digit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x57 + value }
        out.reserveCapacity(out.count + bytes.count * 2)
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0xF))
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        @inline(__always) func digit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x57 + value }
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digit(byte >> 4)
                out[2 * index + 1] = digit(byte & 0xF)
            }
            return bytes.count * 2
        }
    }
}
