import CCurl
import Support
import Synchronization

/// libcurl's multi handle and the thread that drives it. Transfers are handed
/// over through `inbox`; everything else belongs to the thread.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
        var stopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// libcurl wants one global initialisation before any thread uses it.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    private let multi: UnsafeMutableRawPointer?
    private let configuration: HTTPClient.Configuration
    private let inbox = Mutex(Inbox())
    /// In curl, by handle; owned by the thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Easy handles kept for reuse; owned by the thread.
    private var idleHandles: [UnsafeMutableRawPointer] = []

    init(configuration: HTTPClient.Configuration) {
        Self.globalInit
        self.configuration = configuration
        multi = curl_multi_init()
        if let multi {
            _ = ccurl_multi_set_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxIdleConnections)
        }
        let started = multi != nil && DedicatedThread.start(name: "http-client") { [self] in run() }
        if !started {
            inbox.withLock { $0.stopping = true; $0.stopped = true }
        }
    }

    func submit(_ transfer: CurlTransfer) {
        let refused = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return true }
            inbox.added.append(transfer)
            return false
        }
        if refused { transfer.finish(.failure(.shutDown)); return }
        wake()
    }

    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelled.store(true, ordering: .relaxed)
        inbox.withLock { $0.cancelled.append(transfer) }
        wake()
    }

    func requestStop() {
        inbox.withLock { $0.stopping = true }
        wake()
    }

    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = inbox.withLock { inbox -> Bool in
                inbox.stopping = true
                if inbox.stopped { return true }
                inbox.stopWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() } else { wake() }
        }
    }

    private func wake() {
        if let multi { curl_multi_wakeup(multi) }
    }

    // MARK: The thread

    private func run() {
        guard let multi else { return }
        let raw = multi
        while true {
            let (added, cancelled, stopping) = inbox.withLock { inbox in
                defer { inbox.added.removeAll(); inbox.cancelled.removeAll() }
                return (inbox.added, inbox.cancelled, inbox.stopping)
            }
            for transfer in added {
                if transfer.cancelled.load(ordering: .relaxed) { transfer.finish(.failure(.cancelled)); continue }
                start(transfer, multi: raw)
            }
            for transfer in cancelled {
                guard let handle = transfer.handle, active[handle] != nil else { continue }
                end(handle, multi: raw, with: .failure(.cancelled))
            }
            if stopping { break }
            var running: Int32 = 0
            _ = curl_multi_perform(raw, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(raw, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                guard let transfer = active[handle] else { continue }
                end(handle, multi: raw, with: outcome(of: transfer, code: code, handle: handle))
            }
            _ = curl_multi_poll(raw, nil, 0, 1000, nil)
        }
        for handle in Array(active.keys) { end(handle, multi: raw, with: .failure(.shutDown)) }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        idleHandles.removeAll()
        // Requests submitted after the last look at the inbox.
        let (late, waiters) = inbox.withLock { inbox in
            inbox.stopped = true
            defer { inbox.added.removeAll(); inbox.stopWaiters.removeAll() }
            return (inbox.added, inbox.stopWaiters)
        }
        for transfer in late { transfer.finish(.failure(.shutDown)) }
        curl_multi_cleanup(raw)
        for waiter in waiters { waiter.resume() }
    }

    private func start(_ transfer: CurlTransfer, multi: UnsafeMutableRawPointer) {
        guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
            transfer.finish(.failure(.transport("libcurl could not create a handle")))
            return
        }
        let problem = configure(handle, for: transfer)
        if let problem {
            recycle(handle)
            transfer.finish(.failure(.transport(problem)))
            return
        }
        transfer.handle = handle
        active[handle] = transfer
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else {
            active[handle] = nil
            recycle(handle)
            transfer.finish(.failure(.transport("libcurl refused the request")))
            return
        }
    }

    /// Sets the handle up for the transfer; a problem in words, or nil.
    private func configure(_ handle: UnsafeMutableRawPointer, for transfer: CurlTransfer) -> String? {
        let request = transfer.request
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var codes: [CURLcode] = [
            ccurl_set_pointer(handle, CURLOPT_URL, request.url),
            ccurl_set_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1),
            ccurl_set_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)),
            ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)),
            ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(min(configuration.connectTimeout, request.timeout))),
            ccurl_set_pointer(handle, CURLOPT_USERAGENT, configuration.userAgent),
            ccurl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes)),
            ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, transfer.errorBuffer),
            ccurl_set_pointer(handle, CURLOPT_PRIVATE, context),
            ccurl_set_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback),
            ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context),
            ccurl_set_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback),
            ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context),
        ]
        if let bundle = configuration.caBundle { codes.append(ccurl_set_pointer(handle, CURLOPT_CAINFO, bundle)) }
        switch request.method {
        case "GET" where request.body.isEmpty:
            codes.append(ccurl_set_long(handle, CURLOPT_HTTPGET, 1))
        case "HEAD":
            codes.append(ccurl_set_long(handle, CURLOPT_NOBODY, 1))
        default:
            codes.append(ccurl_set_long(handle, CURLOPT_POST, 1))
            codes.append(ccurl_set_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count))
            // COPYPOSTFIELDS copies, so the bytes need not outlive this call.
            codes.append(request.body.withUnsafeBytes { ccurl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)) })
            if request.method != "POST" { codes.append(ccurl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, request.method)) }
        }
        // No 100-continue round trip, and exactly the headers given.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers {
            guard !header.name.containsLineBreakOrNul, !header.name.contains(":"), !header.value.containsLineBreakOrNul else {
                curl_slist_free_all(list)
                return "header \(header.name) contains a line break"
            }
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        transfer.headerList = list
        codes.append(ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, list))
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            return "libcurl refused an option: \(String(cString: curl_easy_strerror(failed)))"
        }
        return nil
    }

    private func outcome(of transfer: CurlTransfer, code: CURLcode, handle: UnsafeMutableRawPointer) -> Result<HTTPClientResponse, HTTPClientError> {
        switch code {
        case CURLE_OK:
            return .success(HTTPClientResponse(status: ccurl_status(handle), headers: transfer.headers, body: transfer.body))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timedOut(transfer.errorDetail))
        case CURLE_FILESIZE_EXCEEDED:
            return .failure(.tooLarge(limit: transfer.request.maxResponseBytes))
        case CURLE_WRITE_ERROR where transfer.overLimit:
            return .failure(.tooLarge(limit: transfer.request.maxResponseBytes))
        default:
            let detail = transfer.errorDetail
            let summary = String(cString: curl_easy_strerror(code))
            return .failure(.transport(detail.isEmpty ? summary : "\(summary): \(detail)"))
        }
    }

    private func end(_ handle: UnsafeMutableRawPointer, multi: UnsafeMutableRawPointer, with result: Result<HTTPClientResponse, HTTPClientError>) {
        guard let transfer = active.removeValue(forKey: handle) else { return }
        curl_multi_remove_handle(multi, handle)
        transfer.handle = nil
        recycle(handle)
        transfer.finish(result)
    }

    private func recycle(_ handle: UnsafeMutableRawPointer) {
        // Connections live in the multi handle's cache, not in the easy handle.
        curl_easy_reset(handle)
        if idleHandles.count < 16 { idleHandles.append(handle) } else { curl_easy_cleanup(handle) }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let value = seconds.multipliedReportingOverflow(by: 1000)
        guard !value.overflow, value.partialValue < Int64(Int32.max) else { return Int(Int32.max) }
        return max(1, Int(value.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}

private let bodyCallback: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return transfer.receiveBody(bytes) ? length : 0
}

private let headerCallback: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return transfer.receiveHeader(bytes) ? length : 0
}
