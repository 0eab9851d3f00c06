import PropertyBased
import Testing
@testable import AWSWorkSpaces

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
            #expect(!error.code.isEmpty)
        }
    }

    @Test func mutatedPages() async {
        let edits = Gen<Int>.int(in: 0..<Self.valid.count).array(of: 1...8)
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 8)
        await propertyCheck(count: 2000, input: edits, bytes) { positions, replacements in
            var page = Self.valid
            for (position, byte) in zip(positions, replacements) { page[position] = byte }
            decodeOrThrow(page)
        }
    }

    @Test func truncatedPages() async {
        await propertyCheck(count: 500, input: Gen<Int>.int(in: 0...Self.valid.count)) { length in
            decodeOrThrow(Array(Self.valid.prefix(length)))
        }
    }

    /// Fields of the wrong type, huge or odd numbers, deep nesting.
    @Test func wrongTypesAndOddValues() async {
        let values = Gen<String?>.element(of: [
            "null", "true", "0", "-1", "1e308", "-1e308", "1e999", "NaN", "\"\"", "\"x\"", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]",
            "\"\\u0000\"", "\"\\ud800\"", "9223372036854775808", "1.7976931348623157e309", "\"2024-01-01T00:00:00Z\"",
        ]).compactMap { $0 }
        let fields = Gen<String?>.element(of: ["Images", "NextToken", "ImageId", "Created", "State", "Updates", "UpdateAvailable", "ErrorDetails", "OperatingSystem", "Type"]).compactMap { $0 }
        await propertyCheck(count: 1000, input: fields, values, values) { field, outer, inner in
            decodeOrThrow(Array(#"{"\#(field)":\#(outer)}"#.utf8))
            decodeOrThrow(Array(#"{"Images":[{"\#(field)":\#(inner)}],"NextToken":\#(outer)}"#.utf8))
            decodeOrThrow(Array(#"{"Images":[{"Updates":{"\#(field)":\#(inner)},"OperatingSystem":{"Type":\#(outer)}}]}"#.utf8))
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
