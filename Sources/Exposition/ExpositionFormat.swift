import Support

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

    public var isOpenMetrics: Bool {
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
        // A scraper sends the same header every time: the last answer is kept.
        if let accept, let known = lastNegotiated.withLock({ $0?.accept == accept ? $0?.format : nil }) { return known }
        let format = choose(accept: accept)
        if let accept { lastNegotiated.withLock { $0 = (accept, format) } }
        return format
    }

    private static let lastNegotiated = Locked<(accept: String, format: ExpositionFormat)?>(nil)

    private static func choose(accept: String?) -> ExpositionFormat {
        var best: (quality: Double, format: ExpositionFormat)?
        for entry in QualityList(accept).entries where entry.quality > 0 {
            let format: ExpositionFormat
            if entry.value == "application/openmetrics-text" {
                switch entry.parameters["version"] {
                case nil, "1.0.0": format = .openMetrics(version: "1.0.0")
                case "0.0.1": format = .openMetrics(version: "0.0.1")
                default: continue
                }
            } else {
                format = .prometheusText
            }
            // The first of equal quality wins, as in the header's order.
            if let current = best, entry.quality <= current.quality { continue }
            best = (entry.quality, format)
        }
        return best?.format ?? .prometheusText
    }
}
