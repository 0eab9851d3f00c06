import Testing
@testable import Exposition

@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("deflate, gzip;q=0.5", true), ("GZIP", true),
        ("identity", false), ("gzip;q=0", false), ("gzip; q=0.0", false), ("*", true), ("*;q=0", false),
        ("*, gzip;q=0", false), ("", false), ("br", false), ("x-gzip", true),
    ])
    func decides(header: String, expected: Bool) {
        #expect(AcceptEncoding.allowsGzip(header) == expected)
    }

    @Test func absentHeaderMeansNoGzip() {
        #expect(AcceptEncoding.allowsGzip(nil) == false)
    }
}
