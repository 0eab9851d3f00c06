import Foundation

/// Extracts the error code and message from an AWS error answer, whichever of
/// its forms the server used: the `x-amzn-ErrorType` header, a JSON body with
/// `__type`, or an XML body with `<Code>` (moto and the query protocol).
public enum AWSErrorParser {
    public static func parse(status: Int, errorTypeHeader: String?, body: [UInt8]) -> AWSClientError {
        var code: String?
        var message: String?
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            if let type = object["__type"] as? String { code = normalize(type) }
            if code == nil, let type = object["code"] as? String { code = normalize(type) }
            message = (object["message"] as? String) ?? (object["Message"] as? String)
        } else if let text = String(bytes: body.prefix(64 * 1024), encoding: .utf8), text.contains("<") {
            code = element("Code", in: text)
            message = element("Message", in: text)
        }
        if let header = errorTypeHeader, !header.isEmpty {
            code = code ?? normalize(header)
        }
        let finalCode = (code?.isEmpty == false ? code : nil) ?? String(status)
        return .service(code: finalCode, message: message ?? "no error message in the response", status: status)
    }

    /// `com.amazon.coral.availability#ThrottlingException:http://…` → `ThrottlingException`.
    public static func normalize(_ raw: String) -> String {
        var value = Substring(raw)
        if let hash = value.lastIndex(of: "#") { value = value[value.index(after: hash)...] }
        if let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        return value.trimmingCharacters(in: .whitespaces)
    }

    static func element(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"),
              let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) else { return nil }
        return String(text[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
