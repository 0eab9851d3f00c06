import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS Signature Version 4 for header-signed requests.
///
/// See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html.
/// Tested against vectors from AWS's published SigV4 test suite.
public struct SigV4Signer: Sendable {
    public let region: String
    public let service: String

    public init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// What to sign. `headers` must include `host`; names are case-insensitive.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)], body: [UInt8]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    /// Returns the request's headers plus `X-Amz-Date`, `X-Amz-Security-Token`
    /// (with temporary credentials) and `Authorization`.
    public func sign(_ request: Request, credentials: AWSCredentials, date: Double) -> [(name: String, value: String)] {
        let (amzDate, shortDate) = Self.timestamps(date)
        var headers = request.headers
        headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            headers.append(("X-Amz-Security-Token", token))
        }
        let canonical = canonicalBytes(request, headers: headers)
        let scope = shortDate + "/" + region + "/" + service + "/aws4_request"
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(32 + amzDate.utf8.count + scope.utf8.count + 64)
        stringToSign += "AWS4-HMAC-SHA256\n".utf8
        stringToSign += amzDate.utf8
        stringToSign.append(0x0A)
        stringToSign += scope.utf8
        stringToSign.append(0x0A)
        Digest.appendHex(Digest.sha256(canonical.bytes), to: &stringToSign)
        let key = signingKey(secret: credentials.secretAccessKey, shortDate: shortDate)
        let signature = Digest.hex(Digest.hmacSHA256(key: key, stringToSign))
        headers.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/" + scope + ", SignedHeaders=" + canonical.signedHeaders
                + ", Signature=" + signature
        ))
        return headers
    }

    /// The canonical request as text, and the signed header names.
    func canonicalRequest(_ request: Request, headers: [(name: String, value: String)]) -> (request: String, signedHeaders: String) {
        let canonical = canonicalBytes(request, headers: headers)
        return (String(decoding: canonical.bytes, as: UTF8.self), canonical.signedHeaders)
    }

    /// The canonical request, built as bytes (it is only hashed): this runs
    /// for every request, and string by string it cost about 40,000
    /// instructions a request.
    func canonicalBytes(_ request: Request, headers: [(name: String, value: String)]) -> (bytes: [UInt8], signedHeaders: String) {
        // Lower-case names in order, the values of a repeated name joined by
        // commas in the order given: a stable insertion sort, for a handful
        // of headers (no dictionary).
        var entries: [(name: [UInt8], value: String)] = []
        entries.reserveCapacity(headers.count)
        var valueBytes = 0
        for header in headers {
            let name = header.name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            let value = Self.trimHeaderValue(header.value)
            valueBytes += name.count + value.utf8.count + 2
            var index = entries.count
            while index > 0, name.lexicographicallyPrecedes(entries[index - 1].name) { index -= 1 }
            entries.insert((name, value), at: index)
        }
        var out: [UInt8] = []
        out.reserveCapacity(request.method.utf8.count + request.path.utf8.count + valueBytes * 2 + 96)
        out += request.method.utf8
        out.append(0x0A)
        // The path, each segment percent-encoded; most paths need none.
        let path = request.path.isEmpty ? "/" : request.path
        if path.utf8.allSatisfy({ $0 == UInt8(ascii: "/") || Self.isUnreserved($0) }) {
            out += path.utf8
        } else {
            out += path.split(separator: "/", omittingEmptySubsequences: false).map { Self.uriEncode(String($0)) }.joined(separator: "/").utf8
        }
        out.append(0x0A)
        if !request.query.isEmpty {
            let encodedPairs: [(String, String)] = request.query.map { (Self.uriEncode($0.name), Self.uriEncode($0.value)) }
            let sortedPairs = encodedPairs.sorted { (a: (String, String), b: (String, String)) -> Bool in
                a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
            }
            out += sortedPairs.map { (pair: (String, String)) -> String in pair.0 + "=" + pair.1 }.joined(separator: "&").utf8
        }
        out.append(0x0A)
        var signed: [UInt8] = []
        for (index, entry) in entries.enumerated() {
            if index > 0, entries[index - 1].name == entry.name {
                out.removeLast() // the newline: one line per name
                out.append(UInt8(ascii: ","))
            } else {
                if !signed.isEmpty { signed.append(UInt8(ascii: ";")) }
                signed += entry.name
                out += entry.name
                out.append(UInt8(ascii: ":"))
            }
            out += entry.value.utf8
            out.append(0x0A)
        }
        out.append(0x0A)
        out += signed
        out.append(0x0A)
        Digest.appendHex(Digest.sha256(request.body), to: &out)
        return (out, String(decoding: signed, as: UTF8.self))
    }

    /// The key derived from the secret for one day, region and service:
    /// four HMACs, computed once per day and kept (as the SDKs keep it).
    func signingKey(secret: String, shortDate: String) -> [UInt8] {
        let scope = SigningKeyCache.Scope(secret: secret, shortDate: shortDate, region: region, service: service)
        if let key = SigningKeyCache.shared.key(for: scope) { return key }
        var key = Array("AWS4\(secret)".utf8)
        for part in [shortDate, region, service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, part.utf8)
        }
        SigningKeyCache.shared.store(key, for: scope)
        return key
    }

    /// `20150830T123600Z` and `20150830` for a Unix time.
    static func timestamps(_ date: Double) -> (String, String) {
        var seconds = time_t(date.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = parts.tm_year + 1900
        guard (0...9999).contains(year) else {
            func pad(_ value: Int32, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            let day = pad(year, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
            return (day + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z", day)
        }
        // Digit by digit into 16 bytes: this runs for every request.
        var bytes: [UInt8] = Array("00000000T000000Z".utf8)
        func put(_ value: Int32, at end: Int, width: Int) {
            var rest = max(0, value)
            for index in stride(from: end, to: end - width, by: -1) {
                bytes[index] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, at: 3, width: 4)
        put(parts.tm_mon + 1, at: 5, width: 2)
        put(parts.tm_mday, at: 7, width: 2)
        put(parts.tm_hour, at: 10, width: 2)
        put(parts.tm_min, at: 12, width: 2)
        put(parts.tm_sec, at: 14, width: 2)
        return (String(decoding: bytes, as: UTF8.self), String(decoding: bytes[..<8], as: UTF8.self))
    }

    /// Trims and collapses runs of spaces, as SigV4's canonical headers require.
    /// By UTF-8 byte, and without a copy for the usual value that needs
    /// neither (a session token is hundreds of bytes, in every request).
    static func trimHeaderValue(_ value: String) -> String {
        let plain = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return true }
            if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return false }
            for index in bytes.indices.dropFirst() where bytes[index] == 0x20 && bytes[index - 1] == 0x20 { return false }
            return true
        }
        if plain == true { return value }
        return value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingWhitespace()
    }

    /// RFC 3986's unreserved characters: letters, digits, `-`, `_`, `.`, `~`.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters.
    static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case _ where isUnreserved(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }

}

