/// The `Date` header's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110
/// §5.6.7), the only form AWS sends, read strictly: fixed width, a four-digit
/// year, fields in range. Anything else, such as the obsolete RFC 850 and
/// asctime forms or a twelve-digit year, is not a date. The bytes come from
/// the network, so nothing here can overflow: the largest value is 9999-12-31.
package enum HTTPDate {
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Unix seconds, or nil when `text` is not an IMF-fixdate.
    package static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        guard bytes.count == 29 else { return nil }
        func word(_ start: Int) -> String { String(decoding: bytes[start..<(start + 3)], as: UTF8.self) }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func at(_ index: Int, _ character: Character) -> Bool { bytes[index] == character.asciiValue }
        guard weekdays.contains(word(0)), at(3, ","), at(4, " "), let day = digits(5, 2), at(7, " "),
              let monthIndex = months.firstIndex(of: word(8)), at(11, " "), let year = digits(12, 4), at(16, " "),
              let hour = digits(17, 2), at(19, ":"), let minute = digits(20, 2), at(22, ":"), let second = digits(23, 2),
              at(25, " "), word(26) == "GMT" else { return nil }
        return ISO8601.unixSeconds(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }
}
