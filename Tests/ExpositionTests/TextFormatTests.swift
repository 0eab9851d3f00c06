import Testing
@testable import Exposition

@Suite struct TextFormatTests {
    func render(_ families: [MetricFamily]) -> String {
        String(decoding: TextFormat.encode(families), as: UTF8.self)
    }

    @Test func escapesLabelValuesAndHelp() {
        let family = MetricFamily(
            name: "m", help: "help with \\ backslash\nand newline and \"quotes\"", type: .gauge,
            samples: [Sample(labels: [Label("name", "a\\b \"c\"\nd")], value: 1)])
        #expect(render([family]) == """
        # HELP m help with \\\\ backslash\\nand newline and "quotes"
        # TYPE m gauge
        m{name="a\\\\b \\"c\\"\\nd"} 1

        """)
    }

    @Test(arguments: [
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
        (0, "0"), (-0.0, "0"), (42, "42"), (-3, "-3"), (0.5, "0.5"), (1.732811234567e9, "1732811234.567"),
        (1e20, "1e+20"), (1.5e-7, "1.5e-07"), (123456789012345.0, "123456789012345"),
    ])
    func formatsValues(value: Double, expected: String) {
        #expect(TextFormat.formatValue(value) == expected)
        var out: [UInt8] = []
        TextFormat.appendValue(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected, "the encoder's own digits")
    }

    @Test func writtenDigitsMatchTheStringForm() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [1, -1, 9, 10, 99, 100, 999_999_999_999_999, -999_999_999_999_999, 1e15, -1e15, 1e15 - 1]
        for _ in 0..<2000 {
            values.append(Double(Int64.random(in: -999_999_999_999_999...999_999_999_999_999, using: &generator)))
            values.append(Double.random(in: -1e6...1e6, using: &generator).rounded())
            // And values that are not integers, written as the standard library's description.
            values.append(Double.random(in: -1e10...1e10, using: &generator))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator)))
        }
        for value in values {
            var out: [UInt8] = []
            TextFormat.appendValue(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == TextFormat.formatValue(value), "\(value)")
        }
    }

    @Test func escapingCopiesRunsAndEscapesEachSpecialByte() {
        for (text, quotes, expected) in [
            ("plain", true, "plain"), ("", true, ""), ("a\\b", true, "a\\\\b"), ("\n", false, "\\n"),
            ("say \"hi\"\n", true, "say \\\"hi\\\"\\n"), ("say \"hi\"", false, "say \"hi\""),
            ("\\\\\n\"", true, "\\\\\\\\\\n\\\""), ("ünïcödé \"x\"", true, "ünïcödé \\\"x\\\""),
        ] {
            var out: [UInt8] = [0x41]
            TextFormat.appendEscaped(text, escapeQuotes: quotes, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "A" + expected, "\(text)")
        }
        // Against the byte-by-byte definition, with the special bytes at every
        // place in and across the eight-byte words the fast path checks.
        func reference(_ text: String, _ quotes: Bool) -> [UInt8] {
            text.utf8.flatMap { byte -> [UInt8] in
                switch byte {
                case 0x5C: [0x5C, 0x5C]
                case 0x0A: [0x5C, UInt8(ascii: "n")]
                case 0x22 where quotes: [0x5C, 0x22]
                default: [byte]
                }
            }
        }
        let alphabet: [Character] = ["a", "Z", "0", "-", "\\", "\n", "\"", "é", " ", "[", "]", "\u{7F}", "\u{DC}"]
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<25 {
                let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
                for quotes in [true, false] {
                    var out: [UInt8] = []
                    TextFormat.appendEscaped(text, escapeQuotes: quotes, to: &out)
                    #expect(out == reference(text, quotes), "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func formattedValuesRoundTrip() {
        for value in [0.1, 1.0 / 3.0, 1_732_811_234.567, 9.999e15, 2.5e-300, Double.greatestFiniteMagnitude] {
            #expect(Double(TextFormat.formatValue(value)) == value)
        }
    }

    @Test func rendersSuffixesAndEmptyLabels() {
        let family = MetricFamily(name: "h", help: "x", type: .histogram, samples: [
            Sample(suffix: "_bucket", labels: [Label("le", "+Inf")], value: 3),
            Sample(suffix: "_sum", value: 1.5),
            Sample(suffix: "_count", value: 3),
        ])
        #expect(render([family]) == "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1.5\nh_count 3\n")
    }

    @Test func mergeSortsFamiliesAndSamplesDeterministically() {
        let a1 = MetricFamily(name: "b_metric", help: "b", type: .gauge, samples: [Sample(labels: [Label("region", "us-west-2")], value: 2)])
        let a2 = MetricFamily(name: "b_metric", help: "b", type: .gauge, samples: [Sample(labels: [Label("region", "eu-west-1")], value: 1)])
        let c = MetricFamily(name: "a_metric", help: "a", type: .counter, samples: [Sample(value: 7)])
        let forward = render(MetricFamily.merge([a1, c, a2]))
        let backward = render(MetricFamily.merge([a2, c, a1]))
        #expect(forward == backward)
        #expect(forward == """
        # HELP a_metric a
        # TYPE a_metric counter
        a_metric 7
        # HELP b_metric b
        # TYPE b_metric gauge
        b_metric{region="eu-west-1"} 1
        b_metric{region="us-west-2"} 2

        """)
    }

    @Test func sortsBucketsNumerically() {
        let family = MetricFamily(name: "h", help: "x", type: .histogram, samples: [
            Sample(suffix: "_bucket", labels: [Label("le", "+Inf")], value: 3),
            Sample(suffix: "_bucket", labels: [Label("le", "10")], value: 2),
            Sample(suffix: "_bucket", labels: [Label("le", "2.5")], value: 1),
        ]).sorted()
        #expect(family.samples.map { $0.labels[0].value } == ["2.5", "10", "+Inf"])
    }

    @Test func utf8PassesThroughUnchanged() {
        let family = MetricFamily(name: "m", help: "h", type: .gauge, samples: [Sample(labels: [Label("name", "Bild für Büro ✓")], value: 1)])
        #expect(render([family]).contains("m{name=\"Bild für Büro ✓\"} 1"))
    }
}
