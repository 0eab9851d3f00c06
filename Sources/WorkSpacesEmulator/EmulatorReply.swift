import Foundation
import AWSCore
import AWSWorkSpaces

/// What the server should do with a request.
public enum EmulatorReply: Sendable {
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Reset the connection (SO_LINGER 0, then close).
    case reset
    /// Announce `body.count * 2` bytes, send `body`, close.
    case truncated(body: [UInt8])
    /// Send headers announcing a body, then nothing.
    case stall

    static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> EmulatorReply {
        .respond(status: status, headers: [("Content-Type", "application/x-amz-json-1.1")] + headers, body: body)
    }

    /// An AWS JSON-protocol error, with `__type` in the coral form real answers use.
    static func awsError(_ status: Int, code: String, message: String) -> EmulatorReply {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("__type", "com.amazon.coral.service#\(code)")
        writer.member("message", message)
        writer.endObject()
        return json(status, writer.bytes, headers: [("x-amzn-ErrorType", "\(code):http://internal.amazon.com/coral/com.amazon.coral.service/")])
    }

    /// An AWS query-protocol (STS) error, in XML.
    static func queryError(_ status: Int, code: String, message: String) -> EmulatorReply {
        xml(status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(escape(message))</Message></Error><RequestId>emulated</RequestId></ErrorResponse>")
    }

    static func xml(_ status: Int, _ text: String) -> EmulatorReply {
        .respond(status: status, headers: [("Content-Type", "text/xml")], body: Array(text.utf8))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The same reply with one more header (when it has headers at all).
    func with(header: (String, String)) -> EmulatorReply {
        if case let .respond(status, headers, body) = self { return .respond(status: status, headers: headers + [header], body: body) }
        return self
    }
}
