import Testing
@testable import Exposition

@Suite struct ExpositionFormatTests {
    static let prometheusDefault =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test(arguments: [
        (nil, ExpositionFormat.prometheusText),
        ("", .prometheusText),
        ("*/*", .prometheusText),
        ("text/plain", .prometheusText),
        (prometheusDefault, .openMetrics(version: "1.0.0")),
        ("application/openmetrics-text; version=0.0.1", .openMetrics(version: "0.0.1")),
        ("application/openmetrics-text", .openMetrics(version: "1.0.0")),
        ("application/openmetrics-text; version=2.0.0", .prometheusText),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0", .openMetrics(version: "1.0.0")),
        ("text/plain;version=0.0.4,application/openmetrics-text;version=1.0.0;q=0.5", .prometheusText),
        ("application/openmetrics-text;version=1.0.0;q=0", .prometheusText),
        ("APPLICATION/OpenMetrics-Text ; Version=1.0.0", .openMetrics(version: "1.0.0")),
        (";;,,=;q=", .prometheusText),
    ] as [(String?, ExpositionFormat)])
    func negotiates(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func openMetricsNamesCountersWithoutTotalAndEndsWithEOF() {
        let families = [
            MetricFamily(name: "requests_total", help: "Requests \"sent\".", type: .counter,
                         samples: [Sample(labels: [Label("code", "200")], value: 3)]),
            MetricFamily(name: "up", help: "Up.", type: .gauge, samples: [Sample(value: 1)]),
            MetricFamily(name: "duration_seconds", help: "D.", type: .histogram, samples: [
                Sample(suffix: "_bucket", labels: [Label("le", "0.5")], value: 1),
                Sample(suffix: "_bucket", labels: [Label("le", "+Inf")], value: 2),
                Sample(suffix: "_sum", value: 0.75),
                Sample(suffix: "_count", value: 2),
            ]),
        ]
        let text = String(decoding: ExpositionFormat.openMetrics(version: "1.0.0").encode(families), as: UTF8.self)
        #expect(text == """
        # HELP requests Requests \\"sent\\".
        # TYPE requests counter
        requests_total{code="200"} 3
        # HELP up Up.
        # TYPE up gauge
        up 1
        # HELP duration_seconds D.
        # TYPE duration_seconds histogram
        duration_seconds_bucket{le="0.5"} 1
        duration_seconds_bucket{le="+Inf"} 2
        duration_seconds_sum 0.75
        duration_seconds_count 2
        # EOF

        """)
        let plain = String(decoding: ExpositionFormat.prometheusText.encode(families), as: UTF8.self)
        #expect(plain.hasPrefix("# HELP requests_total Requests \"sent\".\n# TYPE requests_total counter\nrequests_total{code=\"200\"} 3\n"))
        #expect(!plain.contains("# EOF"))
    }

    @Test func piecesJoinToTheWholeBody() {
        let a = MetricFamily(name: "a", help: "A.", type: .gauge, samples: [Sample(value: 1)])
        let b = MetricFamily(name: "b_total", help: "B.", type: .counter, samples: [Sample(value: 2)])
        for format in [ExpositionFormat.prometheusText, .openMetrics(version: "1.0.0")] {
            let joined = format.encodeFamilies([a]) + format.encodeFamilies([b]) + format.trailer
            #expect(joined == format.encode([a, b]))
        }
    }
}
