import Testing
@testable import AWSCore

/// The bounded XML reader that STS answers and XML error bodies go through.
@Suite struct XMLReaderTests {
    @Test func readsAnSTSAnswer() throws {
        let answer = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment -->
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult>
            <Credentials>
              <AccessKeyId>ASIA1</AccessKeyId>
              <SecretAccessKey>s&lt;&amp;&#x41;&#66;</SecretAccessKey>
              <SessionToken><![CDATA[tok<en>]]></SessionToken>
              <Expiration>2026-11-29T09:00:00Z</Expiration>
            </Credentials>
            <AssumedRoleUser a='1' b="2"/>
          </AssumeRoleResult>
        </AssumeRoleResponse>
        """
        let credentials = try STSClient.credentials(fromAnswer: answer, source: "test")
        #expect(credentials.accessKeyId == "ASIA1" && credentials.secretAccessKey == "s<&AB" && credentials.sessionToken == "tok<en>")
        #expect(credentials.expiration == 1_795_942_800)
        let root = try #require(XMLReader.parse(Array(answer.utf8)))
        #expect(root.name == "AssumeRoleResponse" && root.find("AssumeRoleResult", "AssumedRoleUser") != nil)
    }

    @Test func readsErrorBodiesOfEveryShape() {
        let query = AWSErrorParser.parse(status: 403, errorTypeHeader: nil, body: Array(
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad &amp; wrong</Message></Error></ErrorResponse>".utf8))
        #expect(query.code == "InvalidClientTokenId" && query.message.hasPrefix("bad & wrong"))
        let ec2 = AWSErrorParser.parse(status: 400, errorTypeHeader: nil, body: Array(
            "<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>".utf8))
        #expect(ec2.code == "AuthFailure")
        // A page of HTML from a proxy is not an AWS error: the status stands in.
        #expect(AWSErrorParser.parse(status: 502, errorTypeHeader: nil, body: Array("<html><body><h1>Bad gateway</h1></body></html>".utf8)).code == "502")
        // Substring search would have found this Code; a tree does not.
        #expect(AWSErrorParser.parse(status: 500, errorTypeHeader: nil, body: Array("<p>see <Code>Forged</Code></p>".utf8)).code == "500")
    }

    @Test(arguments: [
        "", "<a>", "<a></b>", "<a/><b/>", "<a>&bogus;</a>", "<a>&#0;</a>", "<a>&#x110000;</a>", "<a>&#xFFFFFFFFFF;</a>",
        "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", "<a b=c/>", "<a b=\"<\"/>", "text<a/>", "<a><!DOCTYPE x></a>", "<a><b></a></b>",
        String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40), "<a><![CDATA[never ends</a>", "<a><!-- never ends</a>",
    ])
    func refusesWhatIsNotWellFormedOrBounded(text: String) {
        #expect(XMLReader.parse(Array(text.utf8)) == nil)
    }

    @Test func manyElementsAreRefused() {
        let wide = "<a>" + String(repeating: "<b/>", count: 10_001) + "</a>"
        #expect(XMLReader.parse(Array(wide.utf8)) == nil)
        let fine = "<a>" + String(repeating: "<b/>", count: 100) + "</a>"
        #expect(XMLReader.parse(Array(fine.utf8))?.children.count == 100)
    }
}
