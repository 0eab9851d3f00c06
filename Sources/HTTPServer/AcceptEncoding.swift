/// Parses an `Accept-Encoding` header (RFC 9110 §12.5.3) just enough to decide
/// whether gzip is acceptable.
public enum AcceptEncoding {
    /// True when the header lists `gzip` (or `*` without a `gzip` entry) with a
    /// non-zero quality value.
    public static func allowsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var wildcard: Bool? = nil
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingSpaces().lowercased() else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingSpaces().lowercased() == "q" {
                    quality = Double(pair[1].trimmingSpaces()) ?? 0
                }
            }
            if coding == "gzip" || coding == "x-gzip" { return quality > 0 }
            if coding == "*" { wildcard = quality > 0 }
        }
        return wildcard ?? false
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
