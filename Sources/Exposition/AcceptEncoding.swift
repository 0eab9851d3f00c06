/// Decides from an `Accept-Encoding` header whether gzip is acceptable.
public enum AcceptEncoding {
    /// True when the header lists `gzip` (or `x-gzip`, or `*` without a
    /// `gzip` entry) with a non-zero quality value.
    public static func allowsGzip(_ header: String?) -> Bool {
        var wildcard: Bool? = nil
        for entry in QualityList(header).entries {
            if entry.value == "gzip" || entry.value == "x-gzip" { return entry.quality > 0 }
            if entry.value == "*" { wildcard = entry.quality > 0 }
        }
        return wildcard ?? false
    }
}
