public import AsyncHTTPClient
import Foundation
public import NIOCore
import NIOHTTP1

/// A client for the WorkSpaces `DescribeWorkspaceImages` operation over the AWS
/// JSON 1.1 protocol, signed with SigV4, for one region.
public final class WorkSpacesClient: Sendable {
    public let region: String
    public let endpoint: Endpoint
    let credentials: any CredentialProvider
    let httpClient: HTTPClient
    let signer: SigV4Signer
    let requestTimeout: TimeAmount
    /// Largest response body accepted; a bigger one fails the collection.
    public let maxBodyBytes: Int
    /// Most pages one request chain may take before it is treated as a loop.
    public let maxPages: Int

    public init(
        region: String, endpoint: Endpoint, credentials: any CredentialProvider, httpClient: HTTPClient,
        requestTimeout: TimeAmount = .seconds(30), maxBodyBytes: Int = 16 << 20, maxPages: Int = 10_000
    ) {
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.httpClient = httpClient
        self.signer = SigV4Signer(region: region, service: "workspaces")
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxPages = maxPages
    }

    /// One `DescribeWorkspaceImages` call.
    public func describeWorkspaceImages(_ input: DescribeWorkspaceImagesRequest) async throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            body = Array(try encoder.encode(input))
        } catch {
            throw .invalidResponse("cannot encode the request: \(error)")
        }
        let answer = try await send(target: "WorkspacesService.DescribeWorkspaceImages", body: body)
        return try DescribeWorkspaceImagesResponse.decode(answer)
    }

    /// Every image matching the query: follows `NextToken` to the end, and splits
    /// more than 25 image ids into several request chains.
    public func allWorkspaceImages(imageType: ImageType?, imageIds: [String], pageSize: Int?) async throws(AWSClientError) -> [WorkspaceImage] {
        let chunkSize = WorkSpacesModel.maxImageIdsPerRequest
        let idChunks: [[String]?] = imageIds.isEmpty
            ? [nil]
            : stride(from: 0, to: imageIds.count, by: chunkSize).map { Array(imageIds[$0..<min($0 + chunkSize, imageIds.count)]) }
        var images: [WorkspaceImage] = []
        for ids in idChunks {
            var seenTokens: Set<String> = []
            var token: String? = nil
            var pages = 0
            repeat {
                pages += 1
                if pages > maxPages {
                    throw .pagination("more than \(maxPages) pages of DescribeWorkspaceImages; stopping in case NextToken loops")
                }
                let page = try await describeWorkspaceImages(
                    DescribeWorkspaceImagesRequest(imageIds: ids, imageType: imageType, nextToken: token, maxResults: pageSize))
                images += page.images
                token = page.nextToken
                if let next = token, !seenTokens.insert(next).inserted {
                    throw .pagination("DescribeWorkspaceImages returned NextToken \"\(next.prefix(64))\" twice; stopping to avoid a loop")
                }
            } while token != nil
        }
        return images
    }

    func send(target: String, body: [UInt8]) async throws(AWSClientError) -> [UInt8] {
        let credentials = try await self.credentials.credentials()
        let signed = signer.sign(
            SigV4Signer.Request(
                method: "POST", path: endpoint.path,
                headers: [
                    ("Host", endpoint.hostHeader),
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("X-Amz-Target", target),
                ],
                body: body),
            credentials: credentials,
            date: Date().timeIntervalSince1970)

        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for header in signed { request.headers.add(name: header.name, value: header.value) }
        request.headers.add(name: "User-Agent", value: "workspaces-exporter")
        request.body = .bytes(ByteBuffer(bytes: body))

        let status: Int
        let errorType: String?
        let bytes: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: requestTimeout)
            status = Int(response.status.code)
            errorType = response.headers.first(name: "x-amzn-ErrorType")
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            bytes = Array(buffer.readableBytesView)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw .invalidResponse("response body larger than \(maxBodyBytes) bytes")
        } catch let error as HTTPClientError {
            throw .transport(Self.describe(error))
        } catch {
            throw .transport("\(error)")
        }
        guard (200..<300).contains(status) else {
            throw AWSErrorParser.parse(status: status, errorTypeHeader: errorType, body: bytes)
        }
        return bytes
    }

    static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: return "connect timed out"
        case .deadlineExceeded: return "request deadline exceeded"
        case .readTimeout: return "read timed out"
        case .remoteConnectionClosed: return "connection closed by the server"
        default: return "\(error)"
        }
    }
}
