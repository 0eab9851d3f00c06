import AWSCore
import AWSWorkSpaces
import Testing

@Suite struct DescribeWorkspaceImagesRequestTests {
    @Test func requestBodiesAreJSONInAFixedOrder() {
        let body = DescribeWorkspaceImagesRequest(imageIds: ["wsi-1", "w\"2"], imageType: .owned, nextToken: "t", maxResults: 25).body
        #expect(String(decoding: body, as: UTF8.self) == #"{"ImageIds":["wsi-1","w\"2"],"ImageType":"OWNED","MaxResults":25,"NextToken":"t"}"#)
        #expect(String(decoding: DescribeWorkspaceImagesRequest().body, as: UTF8.self) == "{}")
    }
}
