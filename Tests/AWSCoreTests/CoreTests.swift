import Foundation
import Support
import Testing
@testable import AWSCore

/// The small parts of the AWS client: timestamps, account ids, error codes
/// as label values, the clock-skew correction.
@Suite struct CoreTests {
    @Test(arguments: [
        ("2026-11-29T03:00:00Z", 1_795_921_200.0),
        ("2026-11-29T03:00:00.250Z", 1_795_921_200.25),
        ("2026-11-29T04:00:00+01:00", 1_795_921_200.0),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T12:34:56Z", 951_827_696),
    ] as [(String, Double)])
    func parsesISO8601(text: String, expected: Double) {
        #expect(ISO8601.parse(text) == expected)
        // The same as Foundation's reading of it.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        #expect(formatter.date(from: text)?.timeIntervalSince1970 == expected)
    }

    @Test(arguments: ["", "2026-11-29", "2026-13-01T00:00:00Z", "2026-11-29T03:00:00", "2026-11-29T03:00:00Zjunk", "garbage"])
    func refusesWhatIsNotATimestamp(text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test func accountIdsAndRoleARNs() {
        #expect(AccountID.fromARN("arn:aws:iam::111111111111:role/reader") == "111111111111")
        #expect(AccountID.isRoleARN("arn:aws:iam::111111111111:role/path/reader"))
        #expect(AccountID.isRoleARN("arn:aws-cn:iam::111111111111:role/reader"))
        #expect(!AccountID.isRoleARN("arn:aws:iam::111111111111:user/bob"))
        #expect(!AccountID.isRoleARN("arn:aws:iam::11111:role/reader"))
        #expect(!AccountID.isRoleARN("arn:aws:sts::111111111111:role/reader"))
        #expect(!AccountID.isRoleARN("reader"))
    }

    @Test func errorCodesFromTheNetworkAreBoundedAsLabelValues() {
        #expect(KnownErrorCodes.metricCode(.service(code: "ThrottlingException", message: "", status: 400)) == "ThrottlingException")
        #expect(KnownErrorCodes.metricCode(.service(code: "503", message: "", status: 503)) == "503")
        #expect(KnownErrorCodes.metricCode(.service(code: "Random42Exception", message: "", status: 400)) == "other")
        #expect(KnownErrorCodes.metricCode(.service(code: String(repeating: "x", count: 5000), message: "", status: 400)) == "other")
        #expect(KnownErrorCodes.metricCode(.service(code: "599", message: "", status: 599)) == "other")
        #expect(KnownErrorCodes.metricCode(.cancelled("deadline")) == "Cancelled")
        #expect(KnownErrorCodes.metricCode(.transport("reset")) == "TransportError")
        #expect(KnownErrorCodes.metricCode(status: 200) == "200")
    }

    @Test func errorParserBoundsWhatItKeeps() {
        let body = Array(#"{"__type":"com.amazon#\#(String(repeating: "A", count: 1000)):x","message":"\#(String(repeating: "m", count: 5000))"}"#.utf8)
        guard case let .service(code, message, _) = AWSErrorParser.parse(status: 400, errorTypeHeader: nil, body: body) else {
            Issue.record("expected a service error")
            return
        }
        #expect(code.utf8.count <= 128 && message.utf8.count <= 600)
        // A member of another type than string does not hide the others.
        guard case let .service(typed, _, _) = AWSErrorParser.parse(status: 400, errorTypeHeader: nil, body: Array(#"{"code":5,"__type":"ValidationException"}"#.utf8)) else { return }
        #expect(typed == "ValidationException")
    }

    @Test func clockSkewIsLearnedFromTheDateOfARefusedSignature() {
        let local = 1_795_921_200.0
        let skew = ClockSkew(now: { local })
        // Not a skew code, or a small difference: nothing learned.
        #expect(!skew.correct(errorCode: "AccessDeniedException", dateHeader: "Sun, 29 Nov 2026 04:00:00 GMT"))
        #expect(!skew.correct(errorCode: "InvalidSignatureException", dateHeader: "Sun, 29 Nov 2026 03:00:30 GMT"))
        #expect(!skew.correct(errorCode: "InvalidSignatureException", dateHeader: "not a date"))
        #expect(skew.signingTime == local)
        // An hour ahead: learned, and signing follows AWS's clock.
        #expect(skew.correct(errorCode: "InvalidSignatureException", dateHeader: "Sun, 29 Nov 2026 04:00:00 GMT"))
        #expect(skew.signingTime == local + 3600)
        #expect(!skew.correct(errorCode: "RequestTimeTooSkewed", dateHeader: "Sun, 29 Nov 2026 04:00:10 GMT"), "the same offset again changes nothing")
        // A Date from a broken or hostile endpoint moves signing time by a day at most (issue 20: this crashed).
        #expect(skew.correct(errorCode: "InvalidSignatureException", dateHeader: "Fri, 31 Dec 9999 23:59:59 GMT"))
        #expect(skew.currentOffset == ClockSkew.maxOffset)
        #expect(!skew.correct(errorCode: "InvalidSignatureException", dateHeader: "Sun, 06 Nov 999999999999 08:49:37 GMT"))
    }

    @Test(arguments: [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0), ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799), ("Tue, 29 Feb 2028 12:00:00 GMT", 1_835_438_400),
    ])
    func parsesIMFFixdates(text: String, expected: Double) {
        #expect(HTTPDate.parse(text) == expected)
    }

    /// Out of range, overlong, other forms: never a date, never a trap.
    @Test(arguments: [
        "Sun, 06 Nov 999999999999 08:49:37 GMT", "Sun, 06 Nov -994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 2027 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ", "", "Sun, +6 Nov 1994 08:49:37 GMT",
    ])
    func refusesWhatIsNotAnIMFFixdate(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func digestsMatchKnownVectors() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // RFC 4231, test case 2.
        #expect(Digest.hex(Digest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

}
