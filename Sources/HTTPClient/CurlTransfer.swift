import CCurl
import Synchronization

/// One request on its way through libcurl. Everything but `continuation` and
/// `cancelled` is touched only on the loop's thread.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPClientRequest
    let continuation = Mutex<CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>?>(nil)
    let cancelled = Atomic<Bool>(false)

    var handle: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var status = 0
    var headers: [(name: String, value: String)] = []
    var headerBytes = 0
    var body: [UInt8] = []
    var overLimit = false
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// Header bytes accepted per answer.
    static let maxHeaderBytes = 64 * 1024

    init(request: HTTPClientRequest) {
        self.request = request
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Resumes the waiting caller; only the first call counts.
    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        let waiting = continuation.withLock { current -> CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>? in
            defer { current = nil }
            return current
        }
        waiting?.resume(returning: result)
    }

    var errorDetail: String {
        String(cString: errorBuffer)
    }

    /// One header line from libcurl. A status line starts a new answer (after
    /// a `100 Continue`, say), so what came before is dropped.
    func receiveHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        headerBytes += bytes.count
        guard headerBytes <= Self.maxHeaderBytes else { return false }
        var line = Array(bytes)
        while let last = line.last, last == 0x0A || last == 0x0D { line.removeLast() }
        if line.starts(with: Array("HTTP/".utf8)) {
            headers.removeAll()
            return true
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return true }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
        headers.append((name, String(decoding: value, as: UTF8.self)))
        return true
    }

    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard body.count + bytes.count <= request.maxResponseBytes else {
            overLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }
}
