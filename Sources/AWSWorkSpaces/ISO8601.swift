import Foundation

/// Parses the timestamps STS, IMDS and container endpoints return
/// (`2026-11-29T03:00:00Z`, with or without fractional seconds or an offset).
enum ISO8601 {
    static func parse(_ text: String) -> Double? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date.timeIntervalSince1970 }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)?.timeIntervalSince1970
    }
}
