import Support
/// Extracts the error code and message from an AWS error answer, whichever of
/// its forms the server used: the `x-amzn-ErrorType` header, a JSON body with
/// `__type` (or `code`), or an XML body with `<Code>` (STS and moto).
public enum AWSErrorParser {
    /// Bytes of a message kept; the rest is cut, since the network chose it.
    static let maxMessageBytes = 512

    public static func parse(status: Int, errorTypeHeader: String?, body: [UInt8]) -> AWSClientError {
        var code: String?
        var message: String?
        if let (jsonCode, jsonMessage) = json(body) {
            code = jsonCode
            message = jsonMessage
        } else if body.count <= 64 * 1024, let error = XMLReader.parse(body)?.first(named: "Error") {
            // <ErrorResponse><Error><Code>… (query protocol), <Response><Errors><Error>… (EC2, moto).
            code = error.child("Code")?.text
            message = error.child("Message")?.text
        }
        if code == nil, let header = errorTypeHeader, !header.isEmpty {
            code = normalize(header)
        }
        let finalCode = (code?.isEmpty == false ? code : nil) ?? String(status)
        return .service(
            code: finalCode.bounded(maxBytes: 128),
            message: (message ?? "no error message in the response").bounded(maxBytes: maxMessageBytes),
            status: status)
    }

    /// `__type` (or `code`) and `message` (or `Message`) of a JSON error body.
    static func json(_ body: [UInt8]) -> (String?, String?)? {
        var reader = JSONReader(body)
        var code: String?, lowerCode: String?, message: String?
        do {
            guard reader.peek() == UInt8(ascii: "{") else { return nil }
            try reader.object { reader, key throws(JSONReader.Failure) in
                // A member of another type than string is skipped, not fatal.
                guard reader.peek() == UInt8(ascii: "\"") else { try reader.skip(); return }
                switch key {
                case "__type": code = try reader.string()
                case "code", "Code": lowerCode = try reader.string()
                case "message", "Message": message = try reader.string()
                default: try reader.skip()
                }
            }
        } catch {
            return nil
        }
        return ((code ?? lowerCode).map(normalize), message)
    }

    /// `com.amazon.coral.availability#ThrottlingException:http://…` → `ThrottlingException`.
    public static func normalize(_ raw: String) -> String {
        var value = Substring(raw)
        if let hash = value.lastIndex(of: "#") { value = value[value.index(after: hash)...] }
        if let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        return value.trimmingWhitespace()
    }

}
