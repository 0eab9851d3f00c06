import PropertyBased
import Testing
@testable import AWSCore
@testable import AWSWorkSpaces
import WorkSpacesEmulator

/// Whatever bytes AWS (or something pretending to be it) sends, decoding a
/// page either succeeds or throws a typed error: it never traps.
@Suite struct ResponseFuzzTests {
    static let valid = Array("""
    {"Images":[{"ImageId":"wsi-1","Name":"golden","OperatingSystem":{"Type":"WINDOWS"},"State":"ERROR",
    "RequiredTenancy":"DEDICATED","ErrorCode":"ImageCreationFailed","Created":1.732811234567E9,"OwnerAccountId":"123456789012",
    "Updates":{"UpdateAvailable":true},"ErrorDetails":[{"ErrorCode":"DiskFreeSpace","ErrorMessage":"x"}]}],"NextToken":"t2"}
    """.utf8)

    func decodeOrThrow(_ bytes: [UInt8]) {
        do {
            let page = try DescribeWorkspaceImagesResponse.decode(bytes)
            // Something that decodes must also map without trapping.
            for image in page.images { _ = (image.created?.isFinite, image.imageId, image.errorDetails?.count) }
        } catch {
            // A page that cannot be read is an unreadable answer, never another kind of failure.
            guard case .invalidResponse = error else {
                Issue.record("decoding failed with \(error.code), not InvalidResponse")
                return
            }
        }
    }

    /// The exporter's reader and Foundation's `JSONDecoder` must agree
    /// wherever the reader accepts a body: Foundation accepts it too, with the
    /// same page. The reader may refuse more: it checks strings it skips
    /// (control characters, lone surrogates), where Foundation does not look.
    func expectSameAsFoundation(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = Result { () throws(AWSClientError) in try DescribeWorkspaceImagesResponse.decode(bytes) }
        let foundation = Result { () throws(AWSClientError) in try ReferenceDecoder.decode(bytes) }
        switch (ours, foundation) {
        case let (.success(a), .success(b)):
            #expect(a.images == b.images && a.nextToken == b.nextToken, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        case (.failure, .failure), (.failure, .success):
            break
        default:
            Issue.record("reader \(ours), Foundation \(foundation) for \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    @Test func mutatedPages() async {
        let edits = Gen<Int>.int(in: 0..<Self.valid.count).array(of: 1...8)
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 8)
        await propertyCheck(count: 2000, input: edits, bytes) { positions, replacements in
            var page = Self.valid
            for (position, byte) in zip(positions, replacements) { page[position] = byte }
            decodeOrThrow(page)
            expectSameAsFoundation(page)
        }
    }

    /// Generated valid pages: random members present or null, strings with
    /// escapes and non-ASCII text, numbers in every notation.
    @Test func generatedPagesDecodeLikeFoundation() async {
        let text = Gen<String?>.element(of: [
            "null", #""""#, #""wsi-abc""#, #""a \"quoted\" \\ name\n\t""#, #""\u00e9t\u00E9 \ud83d\ude00""#, #""日本語 ok""#,
            #""\/slash""#, #""AVAILABLE""#,
        ]).compactMap { $0 }
        let number = Gen<String?>.element(of: ["null", "0", "-0", "1732811234.567", "1.732811234567E9", "1.7e+09", "17E-1", "-3"]).compactMap { $0 }
        let flag = Gen<String?>.element(of: ["null", "true", "false"]).compactMap { $0 }
        let image = zip(text, text, number, flag, text).map { id, state, created, update, code in
            #"{"ImageId":\#(id),"State":\#(state),"Created":\#(created),"Updates":{"UpdateAvailable":\#(update),"X":[1,{"y":null}]},"#
                + #""OperatingSystem":{"Type":\#(state)},"ErrorDetails":[{"ErrorCode":\#(code)}],"Unknown":{"deep":[[[]]]} }"#
        }
        await propertyCheck(count: 500, input: image.array(of: 0...4), text) { images, token in
            let page = Array(#" { "Images" : [\#(images.joined(separator: ","))], "NextToken": \#(token) } "#.utf8)
            expectSameAsFoundation(page)
            #expect((try? DescribeWorkspaceImagesResponse.decode(page)) != nil)
        }
    }

    @Test func truncatedPages() async {
        await propertyCheck(count: 500, input: Gen<Int>.int(in: 0...Self.valid.count)) { length in
            decodeOrThrow(Array(Self.valid.prefix(length)))
            expectSameAsFoundation(Array(Self.valid.prefix(length)))
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = Array((#"{"Unknown":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        #expect(throws: AWSClientError.self) { try DescribeWorkspaceImagesResponse.decode(deep) }
    }

    /// Fields of the wrong type, huge or odd numbers, deep nesting.
    @Test func wrongTypesAndOddValues() async {
        let values = Gen<String?>.element(of: [
            "null", "true", "0", "-1", "1e308", "-1e308", "1e999", "NaN", "\"\"", "\"x\"", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]",
            "\"\\u0000\"", "\"\\ud800\"", "9223372036854775808", "1.7976931348623157e309", "\"2024-01-01T00:00:00Z\"",
        ]).compactMap { $0 }
        let fields = Gen<String?>.element(of: ["Images", "NextToken", "ImageId", "Created", "State", "Updates", "UpdateAvailable", "ErrorDetails", "OperatingSystem", "Type"]).compactMap { $0 }
        await propertyCheck(count: 1000, input: fields, values, values) { field, outer, inner in
            for page in [
                #"{"\#(field)":\#(outer)}"#,
                #"{"Images":[{"\#(field)":\#(inner)}],"NextToken":\#(outer)}"#,
                #"{"Images":[{"Updates":{"\#(field)":\#(inner)},"OperatingSystem":{"Type":\#(outer)}}]}"#,
            ] {
                decodeOrThrow(Array(page.utf8))
                expectSameAsFoundation(Array(page.utf8))
            }
        }
    }

    @Test func randomBytes() async {
        await propertyCheck(count: 1000, input: Gen<UInt8>.value(in: 0...255).array(of: 0...512)) { bytes in
            decodeOrThrow(bytes)
            // The same bytes as an error body, with and without an error-type header.
            let text = String(decoding: bytes.prefix(64), as: UTF8.self)
            #expect(!AWSErrorParser.parse(status: 400, errorTypeHeader: nil, body: bytes).code.isEmpty)
            #expect(!AWSErrorParser.parse(status: 503, errorTypeHeader: text, body: bytes).code.isEmpty)
        }
    }
}
