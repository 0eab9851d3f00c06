import Testing
@testable import AWSCore
@testable import AWSWorkSpaces

@Suite struct DescribeWorkspaceImagesResponseTests {
    func decode(_ json: String) throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        try DescribeWorkspaceImagesResponse.decode(Array(json.utf8))
    }

    @Test func decodesAFullImage() throws {
        let page = try decode("""
        {"Images":[{"ImageId":"wsi-1","Name":"golden","Description":"d","OperatingSystem":{"Type":"WINDOWS"},
        "State":"ERROR","RequiredTenancy":"DEDICATED","ErrorCode":"ImageCreationFailed","ErrorMessage":"m",
        "Created":1732811234.567,"OwnerAccountId":"123456789012","Updates":{"UpdateAvailable":true,"Description":"u"},
        "ErrorDetails":[{"ErrorCode":"DiskFreeSpace","ErrorMessage":"x"}]}],"NextToken":"t2"}
        """)
        #expect(page.nextToken == "t2")
        let image = try #require(page.images.first)
        #expect(image.imageId == "wsi-1")
        #expect(image.operatingSystem?.type == "WINDOWS")
        #expect(image.state == "ERROR")
        #expect(image.requiredTenancy == "DEDICATED")
        #expect(image.errorCode == "ImageCreationFailed")
        #expect(image.created == 1_732_811_234.567)
        #expect(image.updates?.updateAvailable == true)
        #expect(image.errorDetails == [.init(errorCode: "DiskFreeSpace", errorMessage: "x")])
    }

    @Test(arguments: ["1.732811234567E9", "1.732811234567e9", "1.732811234567E+9", "1732811234.567"])
    func createdInAnyNumberNotation(created: String) throws {
        let page = try decode(#"{"Images":[{"ImageId":"a","Created":\#(created)}]}"#)
        #expect(page.images.first?.created == 1_732_811_234.567)
    }

    @Test func missingMembersAreNil() throws {
        let page = try decode(#"{"Images":[{}]}"#)
        let image = try #require(page.images.first)
        #expect(image.imageId == nil && image.state == nil && image.operatingSystem == nil && image.created == nil && image.updates == nil)
        #expect(page.nextToken == nil)
    }

    @Test func unknownMembersAreIgnored() throws {
        let page = try decode(#"{"Images":[{"ImageId":"a","FutureMember":{"x":[1,2]},"State":"AVAILABLE"}],"Extra":true}"#)
        #expect(page.images.first?.state == "AVAILABLE")
    }

    @Test func emptyNextTokenEndsPagination() throws {
        #expect(try decode(#"{"Images":[],"NextToken":""}"#).nextToken == nil)
        #expect(try decode(#"{"Images":[],"NextToken":null}"#).nextToken == nil)
        #expect(try decode(#"{}"#).images.isEmpty)
    }

    @Test(arguments: [
        "<html>not json", #"{"Images":[{"ImageId":"a","Na"#, #"{"Images":{"ImageId":"a"}}"#,
        #"{"Images":[{"Created":"yesterday"}]}"#, "", "[]",
    ])
    func malformedBodiesFailWithInvalidResponse(body: String) {
        #expect {
            try decode(body)
        } throws: { error in
            guard let error = error as? AWSClientError, case .invalidResponse = error else { return false }
            return true
        }
    }

    @Test func aRepeatedImagesKeyReplaces() throws {
        let page = try decode(#"{"Images":[{"ImageId":"a"}],"Images":[{"ImageId":"b"}]}"#)
        #expect(page.images.map(\.imageId) == ["b"])
    }

    @Test func decodingErrorsNameThePath() {
        do {
            _ = try decode(#"{"Images":[{"ImageId":"a"},{"Created":"yesterday"}]}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("Images[1].Created: expected a number"), "\(error.message)")
        }
    }
}
