import Support

/// A header that lists values with quality factors, such as `Accept` and
/// `Accept-Encoding` (RFC 9110 §12.4.2): `a;q=0.5, b;version=1, c`.
public struct QualityList: Sendable {
    public struct Entry: Sendable {
        /// Lower-cased.
        public let value: String
        /// Parameters other than `q`, names lower-cased.
        public let parameters: [String: String]
        /// 0 to 1; 1 when not given, 0 when unreadable.
        public let quality: Double
    }

    public let entries: [Entry]

    public init(_ header: String?) {
        guard let header else { entries = []; return }
        entries = header.split(separator: ",").compactMap { element in
            let parts = element.split(separator: ";")
            guard let value = parts.first?.trimmingWhitespace().lowercased(), !value.isEmpty else { return nil }
            var quality = 1.0
            var parameters: [String: String] = [:]
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let name = pair[0].trimmingWhitespace().lowercased()
                let text = pair[1].trimmingWhitespace()
                if name == "q" {
                    quality = Double(text).map { min(max($0, 0), 1) } ?? 0
                } else {
                    parameters[name] = text
                }
            }
            return Entry(value: value, parameters: parameters, quality: quality)
        }
    }
}
