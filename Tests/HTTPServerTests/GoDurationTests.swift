import Testing
@testable import HTTPServer

/// Go's time.ParseDuration, for `rate_limit.interval`.
@Suite struct GoDurationTests {
    @Test(arguments: [
        ("0", Int64(0)), ("1s", 1_000_000_000), ("1.5h", 5_400_000_000_000), ("300ms", 300_000_000), ("1h30m", 5_400_000_000_000),
        ("2us", 2_000), ("2µs", 2_000), ("7ns", 7), ("-1m", -60_000_000_000), ("+5s", 5_000_000_000), (".5s", 500_000_000),
        ("1.0000000009s", 1_000_000_000), ("9223372036854775807ns", Int64.max), ("-9223372036854775808ns", Int64.min),
    ])
    func parsesAsGo(_ text: String, _ nanoseconds: Int64) {
        #expect(GoDuration.nanoseconds(text) == nanoseconds)
    }

    @Test(arguments: ["", "1", "s", "1x", "1s2", "1..5s", "9223372036854775808ns", "2562048h", "3000000h", "1 s", "--1s", ".s"])
    func refusesWhatGoRefuses(_ text: String) {
        #expect(GoDuration.nanoseconds(text) == nil)
    }
}
