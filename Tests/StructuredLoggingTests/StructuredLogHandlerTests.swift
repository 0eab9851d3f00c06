import Foundation
import Logging
import Synchronization
import Testing
@testable import StructuredLogging

@Suite struct StructuredLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func log(_ format: LogFormat, level: Logger.Level = .info, _ body: (Logger) -> Void) -> [String] {
        let lines = Lines()
        let handler = StructuredLogHandler(label: "t", format: format, level: level, write: { lines.append($0) })
        body(Logger(label: "t", factory: { _ in handler }))
        return lines.all
    }

    @Test func logfmtQuotesAndEscapes() throws {
        let lines = log(.logfmt) { $0.error("DescribeWorkspaceImages failed", metadata: ["code": "Throttling", "message": "Rate \"exceeded\"\nnow"]) }
        let line = try #require(lines.first)
        #expect(line.hasPrefix("ts="))
        #expect(line.contains(#"level=error msg="DescribeWorkspaceImages failed" code=Throttling message="Rate \"exceeded\"\nnow""#))
    }

    @Test func jsonIsValidJSON() throws {
        let lines = log(.json) { $0.warning("hi\u{1}", metadata: ["k": "v\"w"]) }
        let line = try #require(lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warn")
        #expect(object["msg"] == "hi\u{1}")
        #expect(object["k"] == "v\"w")
    }

    /// Every control character, in both formats: nothing a client or an
    /// endpoint sends can end a line or forge a field. `\r\n` is one Swift
    /// Character, which an escaper by Character would let through raw.
    @Test(arguments: [LogFormat.logfmt, .json])
    func noControlCharacterReachesTheLineRaw(format: LogFormat) throws {
        var controls = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + ["\u{7f}", "\u{85}", "\u{2028}", "\u{2029}", "\r\n"]
        controls.append("x\r\nlevel=error msg=FORGED")
        for control in controls {
            let lines = log(format) { $0.error("value \(control) in msg", metadata: ["path": "/x\(control)y", "k\(control)": "v"]) }
            let line = try #require(lines.first)
            #expect(lines.count == 1)
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 },
                    "\(format) let \(Array(control.unicodeScalars).map { $0.value }) through: \(line)")
            if format == .json {
                // Still valid JSON, holding the value exactly.
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
                #expect(object["path"] == "/x\(control)y")
            }
        }
    }

    @Test func levelsFilter() {
        #expect(log(.logfmt, level: .warning) { $0.info("quiet"); $0.warning("loud") }.count == 1)
    }

    @Test func timestampIsRFC3339WithMilliseconds() {
        #expect(StructuredLogHandler.timestamp(Date(timeIntervalSince1970: 1_440_938_160.5)) == "2015-08-30T12:36:00.500Z")
    }
}
