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
    let retryPolicy: RetryPolicy
    let observer: any APIObserver

    public init(
        region: String, endpoint: Endpoint, credentials: any CredentialProvider, httpClient: HTTPClient,
        requestTimeout: TimeAmount = .seconds(30), maxBodyBytes: Int = 16 << 20, maxPages: Int = 1000,
        retryPolicy: RetryPolicy = RetryPolicy(), observer: any APIObserver = NoAPIObserver()
    ) {
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.httpClient = httpClient
        self.signer = SigV4Signer(region: region, service: "workspaces")
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxPages = maxPages
        self.retryPolicy = retryPolicy
        self.observer = observer
    }

    static let operation = "DescribeWorkspaceImages"

    /// One `DescribeWorkspaceImages` call, retried per the policy, within `deadline`.
    public func describeWorkspaceImages(_ input: DescribeWorkspaceImagesRequest, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            body = Array(try encoder.encode(input))
        } catch {
            throw .invalidResponse("cannot encode the request: \(error)")
        }
        let answer = try await sendWithRetries(target: "WorkspacesService.DescribeWorkspaceImages", body: body, deadline: deadline)
        return try DescribeWorkspaceImagesResponse.decode(answer)
    }

    /// Every image matching the query: follows `NextToken` to the end, and splits
    /// more than 25 image ids into several request chains.
    public func allWorkspaceImages(imageType: ImageType?, imageIds: [String], pageSize: Int?, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [WorkspaceImage] {
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
                    DescribeWorkspaceImagesRequest(imageIds: ids, imageType: imageType, nextToken: token, maxResults: pageSize),
                    deadline: deadline)
                images += page.images
                token = page.nextToken
                if let next = token, !seenTokens.insert(next).inserted {
                    throw .pagination("DescribeWorkspaceImages returned NextToken \"\(next.prefix(64))\" twice; stopping to avoid a loop")
                }
            } while token != nil
        }
        return images
    }

    /// Sends with the standard retry mode: retryable failures are retried while
    /// attempts, the retry quota and the deadline allow.
    func sendWithRetries(target: String, body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        let clock = ContinuousClock()
        var attempt = 0
        while true {
            attempt += 1
            let start = clock.now
            do {
                let bytes = try await send(target: target, body: body, deadline: deadline)
                observer.attemptFinished(region: region, operation: Self.operation, code: "200", seconds: start.duration(to: clock.now) / .seconds(1))
                retryPolicy.quota.release()
                return bytes
            } catch {
                observer.attemptFinished(region: region, operation: Self.operation, code: Self.metricCode(error), seconds: start.duration(to: clock.now) / .seconds(1))
                guard attempt < retryPolicy.maxAttempts, let reason = RetryPolicy.retryReason(error) else { throw error }
                let delay = retryPolicy.delay(beforeRetry: attempt - 1)
                if let deadline, clock.now.advanced(by: delay) >= deadline { throw error }
                guard retryPolicy.quota.acquire(timeout: reason == "timeout") else { throw error }
                observer.retrying(region: region, operation: Self.operation, reason: reason)
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .deadlineExceeded("cancelled while waiting to retry \(Self.operation) after \(reason)")
                }
            }
        }
    }

    /// The `code` label of `aws_workspaces_api_requests_total` for a failure.
    static func metricCode(_ error: AWSClientError) -> String {
        if case let .service(code, _, _) = error { return code }
        return error.code
    }

    func send(target: String, body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        var timeout = requestTimeout
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw .deadlineExceeded("no time left in the scrape's budget for another \(Self.operation) request")
            }
            timeout = min(timeout, TimeAmount(remaining))
        }
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
            let response = try await httpClient.execute(request, timeout: timeout)
            status = Int(response.status.code)
            errorType = response.headers.first(name: "x-amzn-ErrorType")
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            bytes = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw .invalidResponse("response body larger than \(maxBodyBytes) bytes")
        } catch let error as HTTPClientError {
            throw .transport(Self.describe(error), timedOut: [.connectTimeout, .readTimeout, .deadlineExceeded].contains(error))
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
