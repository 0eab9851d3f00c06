import Testing
@testable import AWSCore

@Suite struct AWSErrorParserTests {
    func parse(_ status: Int, header: String? = nil, _ body: String) -> (code: String, message: String) {
        let error = AWSErrorParser.parse(status: status, errorTypeHeader: header, body: Array(body.utf8))
        guard case let .service(code, message, _) = error else { return ("?", "?") }
        return (code, message)
    }

    @Test func jsonTypeWithNamespace() {
        let parsed = parse(400, #"{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}"#)
        #expect(parsed.code == "ThrottlingException")
        #expect(parsed.message == "Rate exceeded")
    }

    @Test func jsonTypeWithSuffixAndCapitalMessage() {
        let parsed = parse(400, #"{"__type":"AccessDeniedException:http://internal.amazon.com/","Message":"no"}"#)
        #expect(parsed.code == "AccessDeniedException")
        #expect(parsed.message == "no")
    }

    @Test func headerWhenTheBodyNamesNoCode() {
        #expect(parse(400, header: "ValidationException:http://internal.amazon.com/coral/", "{}").code == "ValidationException")
    }

    @Test func xmlErrorAsMotoSendsIt() {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>
        <Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>
        """
        let parsed = parse(403, xml)
        #expect(parsed.code == "InvalidClientTokenId")
        #expect(parsed.message == "The security token included in the request is invalid.")
    }

    @Test func plainTextFallsBackToTheStatus() {
        #expect(parse(503, "Service Unavailable").code == "503")
        #expect(parse(500, "").code == "500")
    }
}
