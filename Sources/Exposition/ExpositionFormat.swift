/// The text formats the exporter can answer in, chosen per request from the
/// `Accept` header the way client_golang's `expfmt.Negotiate` does.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4: the default for any other `Accept`.
    case prometheusText
    /// OpenMetrics text, version 1.0.0 (or 0.0.1 when asked for: same body).
    case openMetrics(version: String)

    public var contentType: String {
        switch self {
        case .prometheusText: return "text/plain; version=0.0.4; charset=utf-8"
        case let .openMetrics(version): return "application/openmetrics-text; version=\(version); charset=utf-8"
        }
    }

    var isOpenMetrics: Bool {
        if case .openMetrics = self { return true } else { return false }
    }

    /// What ends a complete body: OpenMetrics requires `# EOF`.
    public var trailer: [UInt8] {
        isOpenMetrics ? Array("# EOF\n".utf8) : []
    }

    /// A complete body: the families in the order given, then the trailer.
    public func encode(_ families: [MetricFamily]) -> [UInt8] {
        var out = encodeFamilies(families)
        out += trailer
        return out
    }

    /// The families alone, without the trailer: a part of a body assembled
    /// from pieces rendered at different times.
    public func encodeFamilies(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        TextFormat.append(families, openMetrics: isOpenMetrics, to: &out)
        return out
    }

    /// Picks the format for an `Accept` header: OpenMetrics when the client
    /// prefers `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) at
    /// a higher quality than anything else it accepts, else text 0.0.4.
    /// Prometheus sends OpenMetrics first by default.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var best: (quality: Double, format: ExpositionFormat)?
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard let mediaType = parts.first, !mediaType.isEmpty else { continue }
            var quality = 1.0
            var version: String?
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace() }
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "q": quality = Double(pair[1]) ?? 0
                case "version": version = pair[1]
                default: break
                }
            }
            guard quality > 0 else { continue }
            let format: ExpositionFormat
            if mediaType == "application/openmetrics-text" {
                switch version {
                case nil, "1.0.0": format = .openMetrics(version: "1.0.0")
                case "0.0.1": format = .openMetrics(version: "0.0.1")
                default: continue
                }
            } else {
                format = .prometheusText
            }
            // The first of equal quality wins, as in the header's order.
            if let current = best, quality <= current.quality { continue }
            best = (quality, format)
        }
        return best?.format ?? .prometheusText
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
