#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import AWSCore
import AWSWorkSpaces
import AWSOrganizations
import AWSIAM
import HTTPClient
import HTTPServer
import ExporterEndpoints
import Logging
import StructuredLogging
import Support
import WorkSpacesCollector
import YAML

/// Every parser of untrusted input, one fuzz target each: bytes from AWS and
/// the credential endpoints, a helper process, the config files, the
/// network. A target traps (and libFuzzer reports a crash) when the parser
/// traps, or when an invariant the rest of the exporter relies on breaks.
/// Errors are fine: they are the parsers' way to say no.
enum FuzzTargets {
    typealias Target = @Sendable ([UInt8]) -> Void

    static let all: [(name: String, run: Target)] = [
        ("images-page", imagesPage),
        ("bundles-page", bundlesPage),
        ("workspaces-page", workspacesPage),
        ("organizations-page", organizationsPage),
        ("probe-target", probeTarget),
        ("aws-error", awsError),
        ("metadata-credentials", metadataCredentials),
        ("process-credentials", processCredentials),
        ("sts-answer", stsAnswer),
        ("sso-answers", ssoAnswers),
        ("xml", xml),
        ("dates", dates),
        ("response-reader", responseReader),
        ("http-request", httpRequest),
        ("shared-config", sharedConfig),
        ("config-file", configFile),
        ("web-config", webConfig),
        ("client-certificate", clientCertificate),
        ("proxy-url", proxyURL),
        ("labels-and-logs", labelsAndLogs),
    ]

    static func named(_ name: String) -> Target? {
        all.first { $0.name == name }?.run
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            print("invariant broken: \(message())")
            abort()
        }
    }

    // MARK: AWS answers

    @Sendable static func imagesPage(_ bytes: [UInt8]) {
        guard let page = try? DescribeWorkspaceImagesResponse.decode(bytes) else { return }
        for image in page.images {
            // What the collector does with an image must not trap either.
            _ = LabelValues.identifier(image.imageId)
            _ = LabelValues.text(image.name)
            if let created = image.created { _ = created.isFinite ? created.rounded() : 0 }
        }
    }

    @Sendable static func bundlesPage(_ bytes: [UInt8]) {
        _ = try? JSONReader.page(bytes, items: "Bundles", operation: "DescribeWorkspaceBundles", item: WorkspaceBundle.read)
    }

    @Sendable static func workspacesPage(_ bytes: [UInt8]) {
        _ = try? JSONReader.page(bytes, items: "Workspaces", operation: "DescribeWorkspaces", item: Workspace.read)
    }

    /// The first byte picks the answer: ListAccounts, ListOrganizationalUnitsForParent,
    /// ListTagsForResource or DescribeWorkspaceImagePermissions.
    @Sendable static func organizationsPage(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        switch first % 4 {
        case 0:
            guard let (accounts, _) = try? JSONReader.page(body, items: "Accounts", operation: "ListAccounts", item: OrganizationAccount.read) else { return }
            // Only ACTIVE accounts with a valid id may become targets.
            for account in accounts where account.isActive { check((account.state ?? account.status) == "ACTIVE", "active") }
        case 1: _ = try? JSONReader.page(body, items: "OrganizationalUnits", operation: "ListOrganizationalUnitsForParent", item: OrganizationsClient.readUnitId)
        case 2: _ = try? JSONReader.page(body, items: "Tags", operation: "ListTagsForResource", item: OrganizationsClient.readTag)
        default: _ = try? JSONReader.page(body, items: "ImagePermissions", operation: "DescribeWorkspaceImagePermissions", item: WorkSpacesClient.readSharedAccount)
        }
    }

    /// `/probe?target=`: only ACCOUNT_ID/REGION, which writes back as it came.
    @Sendable static func probeTarget(_ bytes: [UInt8]) {
        let value = text(bytes)
        guard let target = TargetLabels(target: value) else { return }
        check(target.target == value, "\(target.target) from \(value)")
        check(AccountID.isValid(target.accountId) && target.region.utf8.count <= 63, "target \(target.target)")
        check(!target.region.utf8.contains { $0 < 0x21 || $0 > 0x7E || $0 == UInt8(ascii: "/") }, "region \(target.region)")
    }

    /// The first byte picks the status and whether an `x-amzn-ErrorType` header came.
    @Sendable static func awsError(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        let statuses = [400, 403, 404, 429, 500, 503, 200, 302]
        let header: String? = first & 0x80 != 0 ? text(Array(rest.prefix(Int(first & 0x3F)))) : nil
        let error = AWSErrorParser.parse(status: statuses[Int(first) % statuses.count], errorTypeHeader: header, body: rest)
        // Codes and messages from the network are bounded before they reach logs and labels.
        check(error.code.utf8.count <= 128, "error code of \(error.code.utf8.count) bytes")
        let label = KnownErrorCodes.metricCode(error)
        check(label.utf8.count <= 128 && !label.contains("\n"), "label value \(label)")
    }

    @Sendable static func metadataCredentials(_ bytes: [UInt8]) {
        _ = try? MetadataCredentials.decode(bytes, source: "fuzz")
    }

    @Sendable static func processCredentials(_ bytes: [UInt8]) {
        _ = try? ProcessCredentialProvider.parse(bytes, source: "fuzz")
    }

    @Sendable static func stsAnswer(_ bytes: [UInt8]) {
        let answer = text(bytes)
        _ = try? STSClient.credentials(fromAnswer: answer, source: "fuzz")
        _ = STSClient.account(fromAnswer: answer)
        _ = try? IAMClient.alias(fromAnswer: bytes)
    }

    /// IAM Identity Center: the CLI's token cache file, the portal's
    /// GetRoleCredentials and the OIDC service's CreateToken answers.
    @Sendable static func ssoAnswers(_ bytes: [UInt8]) {
        if let token = try? SSOToken.decode(bytes) {
            check(token.expiresAt.isFinite, "expiresAt \(token.expiresAt)")
            // What the exporter writes back must read back.
            let again = try? SSOToken.decode(token.encoded())
            check(again?.accessToken == token.accessToken && again?.refreshToken == token.refreshToken, "token cache round trip")
        }
        if let credentials = try? SSOClient.decodeRoleCredentials(bytes) {
            check(!credentials.accessKeyId.isEmpty, "empty key")
            if let expiration = credentials.expiration { check(expiration.isFinite && expiration > 0 && expiration < 3e11, "expiration \(expiration)") }
        }
        if let token = try? SSOClient.decodeNewToken(bytes) {
            check((1...(366 * 86_400)).contains(token.expiresIn), "expiresIn \(token.expiresIn)")
        }
    }

    /// The bounded XML reader: a tree within its bounds, or nothing.
    @Sendable static func xml(_ bytes: [UInt8]) {
        guard let root = XMLReader.parse(bytes) else { return }
        func depth(_ element: XMLElement) -> Int { 1 + (element.children.map(depth).max() ?? 0) }
        check(depth(root) <= XMLReader.maxDepth, "depth \(depth(root))")
        _ = root.first(named: "Error")
    }

    @Sendable static func dates(_ bytes: [UInt8]) {
        let value = text(bytes)
        if let seconds = HTTPDate.parse(value) { check(seconds.isFinite && abs(seconds) < 3e11, "HTTP date \(seconds)") }
        if let seconds = ISO8601.parse(value) { check(seconds.isFinite && abs(seconds) < 3e11, "ISO 8601 \(seconds)") }
        let skew = ClockSkew(now: { 1_800_000_000 })
        _ = skew.correct(errorCode: "RequestTimeTooSkewed", dateHeader: value)
        check(abs(skew.currentOffset) <= ClockSkew.maxOffset, "offset \(skew.currentOffset)")
    }

    // MARK: HTTP

    /// A pipe's read end that never becomes readable: the request is never cancelled.
    static let neverCancelled: Cancellation = {
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        return .never(descriptor: ends[0])
    }()

    /// The reader of the HTTP client, on a socket pair whose other end holds the input.
    /// The first byte picks how the answer arrives, when it is a control byte
    /// no HTTP answer starts with: 0x01, a proxy's answer to `CONNECT`, then
    /// what comes through the tunnel; 0x02, TLS from a real GnuTLS server,
    /// ended with close_notify; 0x03, the same cut without close_notify.
    /// Anything else: the whole input, plain, as answers to POST then HEAD.
    /// An input of odd length has its first answer read without a wait first,
    /// as after the socket was seen readable.
    @Sendable static func responseReader(_ bytes: [UInt8]) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return }
        var size = Int32(4 << 20)
        setsockopt(ends[1], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let mode = bytes.first.flatMap { $0 >= 1 && $0 <= 3 ? $0 : nil } ?? 0
        let input = Array((mode == 0 ? bytes[...] : bytes.dropFirst()).prefix(128 << 10))
        var methods = ["POST", "HEAD"]
        var server: DispatchSemaphore?
        if mode == 2 || mode == 3 {
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            let done = DispatchSemaphore(value: 0)
            FuzzTLS.serve(ends[1], payload: input, closeNotify: mode == 2, done: done)
            server = done
        } else {
            // Never blocks: what does not fit the socket's buffer is left out.
            _ = input.withUnsafeBytes { send(ends[1], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            shutdown(ends[1], Int32(SHUT_WR))
            if mode == 1 { methods = ["CONNECT", "POST"] }
        }
        // The connection (and its end of the pair) is closed at the end of this scope.
        do {
            let connection = Connection(descriptor: ends[0])
            if server != nil {
                guard let credentials = FuzzTLS.clientCredentials else { check(false, "no TLS credentials"); return }
                do {
                    try connection.startTLS(host: "localhost", credentials: credentials.handle, deadline: .now.advanced(by: .seconds(5)), cancel: neverCancelled)
                } catch {
                    check(false, "the TLS handshake with the harness's own server failed: \(error)")
                }
            }
            for (index, method) in methods.enumerated() {
                var reader = ResponseReader(
                    connection: connection, deadline: ContinuousClock.now.advanced(by: .seconds(5)), cancel: neverCancelled, maxBodyBytes: 64 << 10,
                    readable: index == 0 && bytes.count % 2 == 1)
                guard let outcome = try? reader.read(method: method) else { break }
                check(outcome.response.body.count <= 64 << 10, "body of \(outcome.response.body.count) bytes")
                // A tunnel only goes on after a 2xx to CONNECT.
                if method == "CONNECT", !(200..<300).contains(outcome.response.status) { break }
                if !outcome.reusable { break }
            }
        }
        // The TLS server closes its end itself.
        if let server { server.wait() } else { close(ends[1]) }
    }

    /// Whatever reached the handler passed the server's checks: no line break or NUL in the path.
    final class Checked: HTTPHandler {
        let inner: any HTTPHandler
        init(_ inner: any HTTPHandler) { self.inner = inner }
        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            FuzzTargets.check(!request.path.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }), "a control byte in the path")
            return await inner.handle(request)
        }
    }

    /// The exporter's real HTTP stack, started once on loopback: the server
    /// with the exporter's limits, a web config with basic-auth users, a rate
    /// limit and headers, and the exporter's own handler (the telemetry path
    /// with `Accept` and `Accept-Encoding` negotiation and the scrape-timeout
    /// header, `/probe` and `/sd` routing, health, readiness, `/-/reload`) over
    /// a collector of one target whose AWS endpoint refuses connections, so
    /// every collection fails at once and the API budget serves the failure.
    /// Requests carry the user's credentials most of the time (mutations
    /// keep them, or break them); see the http-request seeds.
    static let server: HTTPServer? = {
        let web: WebConfiguration
        do {
            web = try WebConfiguration.parse("""
                basic_auth_users:
                  prometheus: $2y$04$xFexTl9DrGRUCvQPmd/.3OIFngdNOS.kTo6eLd1NcDt0A36VF2sqO
                rate_limit:
                  interval: 1ms
                  burst: 1000000
                http_server_config:
                  headers:
                    X-Frame-Options: deny
                """, path: "/nonexistent/web.yml")
        } catch {
            return nil
        }
        let http = HTTPClient(configuration: .init(connectTimeout: .milliseconds(200)))
        guard let refused = try? Endpoint(url: "http://127.0.0.1:1/") else { return nil }
        let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
        let sts = STSClient(region: "us-east-1", endpoint: refused, httpClient: http, logger: logger)
        let settings = CollectorSettings(
            http: http, environment: Environment([:]), endpointOverride: refused.url, retryPolicy: RetryPolicy(mode: .standard, maxAttempts: 1),
            collectionTimeout: .seconds(2), logger: logger)
        let credentials = StaticCredentialProvider(AWSCredentials(accessKeyId: "AKIDFUZZ", secretAccessKey: "fuzz"))
        guard let collector = try? WorkSpacesCollector(
            settings: settings, baseCredentials: credentials, sts: sts,
            targets: probedTargets())
        else { return nil }
        let handler = Checked(ExporterHandler(
            telemetryPath: "/metrics", collector: collector, version: "fuzz", defaultTimeout: .seconds(2), reload: { nil }))
        guard let server = try? HTTPServer(
            configuration: .init(
                listeners: [.address(ListenAddress(host: "127.0.0.1", port: 0))], readHeaderTimeout: .milliseconds(100), maxHeaderBytes: 4096,
                web: web, logger: logger),
            handler: handler) else { return nil }
        Task { await server.run() }
        return server
    }()

    /// Raw bytes from a client, as one TCP connection's request stream, then
    /// the end of it; the answer (or the close) is read with a deadline.
    @Sendable static func httpRequest(_ bytes: [UInt8]) {
        guard let server else { check(false, "the server did not start"); return }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        _ = bytes.prefix(64 << 10).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while answer.count < 1 << 20 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        // Whatever came back is HTTP, or nothing (a connection closed unanswered).
        check(answer.isEmpty || answer.starts(with: Array("HTTP/1.".utf8)), "an answer that is not HTTP: \(String(decoding: answer.prefix(40), as: UTF8.self))")
    }

    @Sendable static func proxyURL(_ bytes: [UInt8]) {
        let value = text(bytes)
        _ = URLParts(value)
        if let proxy = ProxySettings.parse(value) {
            check(!(proxy.authorization ?? "").contains("\n"), "a line break in Proxy-Authorization")
        }
        let settings = ProxySettings { name in name == "HTTPS_PROXY" ? value : name == "NO_PROXY" ? value : nil }
        if let url = URLParts("https://workspaces.eu-west-1.amazonaws.com/") { _ = settings.proxy(for: url) }
        // What is said of a URL in an error never holds its user information.
        let redacted = URLParts.redacted(value)
        if let at = value.firstIndex(of: "@"), let scheme = value.firstRange(of: "://"), scheme.upperBound < at,
           !value[scheme.upperBound..<at].contains(where: { "/?#".contains($0) }), at > scheme.upperBound {
            // (Short values only: longer ones are cut, perhaps inside the mark.)
            check(value.utf8.count > 150 || redacted.contains("://***@"), "user information kept: \(redacted)")
        }
        // Paths from the environment, and regions as host-name parts.
        _ = SharedConfiguration.expand(value, environment: Environment(["HOME": "/home/u", "X": value]))
        if Endpoint.isValidRegion(value) {
            check(!value.contains(".") && !value.contains("/"), "region \(value) accepted")
            _ = try? Endpoint.resolve(service: "workspaces", region: value, override: nil, useFIPS: value.count % 2 == 0, environment: Environment([:]))
        }
    }

    // MARK: Files

    @Sendable static func sharedConfig(_ bytes: [UInt8]) {
        let value = text(bytes)
        _ = try? SharedConfigFile.parse(value, path: "config", isConfigFile: true)
        _ = try? SharedConfigFile.parse(value, path: "credentials", isConfigFile: false)
        // The IAM Identity Center settings of every profile, as the credential chain reads them.
        if let file = try? SharedConfigFile.parse(value, path: "config", isConfigFile: true) {
            let profiles = SharedConfiguration.Profiles(config: file.profiles, credentials: [:], merged: file.profiles, ssoSessions: file.ssoSessions)
            for name in file.profiles.keys.prefix(8) { _ = try? SSOCredentialProvider.settings(profile: name, files: profiles) }
        }
    }

    @Sendable static func configFile(_ bytes: [UInt8]) {
        guard let file = try? ConfigFile.parse(text(bytes), path: "/nonexistent/config.yml") else { return }
        _ = file.targets(collectors: [.images, .bundles], pageSize: 25)
    }

    @Sendable static func webConfig(_ bytes: [UInt8]) {
        let value = text(bytes)
        if let configuration = try? WebConfiguration.parse(value, path: "/nonexistent/web.yml") {
            if let limit = configuration.rateLimit { check(limit.interval > .zero && limit.burst >= 0, "rate limit \(limit)") }
            if let tls = configuration.tls { check(tls.priorities.problem() == nil, "priorities \(tls.priorities.string)") }
        }
        // rate_limit.interval, alone: Go's durations within Go's range.
        if let nanoseconds = GoDuration.nanoseconds(value) {
            check(!value.isEmpty && (nanoseconds == 0 || value.unicodeScalars.contains { !("0"..."9").contains($0) }), "duration \(nanoseconds)")
        }
    }

    /// A client's certificate, as the client_allowed_sans check reads it.
    @Sendable static func clientCertificate(_ bytes: [UInt8]) {
        guard let names = ClientCertificateNames.of(der: bytes) else { return }
        check(names.count <= ClientCertificateNames.maxNames, "\(names.count) names")
        for name in names {
            check(name.utf8.count <= ClientCertificateNames.maxNameBytes && !name.utf8.contains(0), "a name of \(name.utf8.count) bytes")
        }
    }

    // MARK: Labels and logs

    /// Whatever a value is, a label value is bounded and a log line stays one line.
    @Sendable static func labelsAndLogs(_ bytes: [UInt8]) {
        let value = text(bytes)
        check(LabelValues.enumeration(value).utf8.count <= 64, "enumeration label")
        check(LabelValues.identifier(value).utf8.count <= 128, "identifier label")
        check(LabelValues.text(value).utf8.count <= 260, "text label of \(LabelValues.text(value).utf8.count) bytes")
        for line in [StructuredLogHandler.logfmt([("msg", value), (value, "x")]), StructuredLogHandler.json([("msg", value), (value, "x")])] {
            check(!line.utf8.contains(0x0A) && !line.utf8.contains(0x0D), "a line break in a log line")
            check(!line.unicodeScalars.contains { $0.value == 0x2028 || $0.value == 0x2029 || $0.value < 0x20 }, "a control character in a log line")
        }
        check(!value.bounded(maxBytes: 100).utf8.isEmpty || value.isEmpty, "bounded")
        check(value.bounded(maxBytes: 100).utf8.count <= 100, "bounded to \(value.bounded(maxBytes: 100).utf8.count) bytes")
    }
}

/// The two targets the http-request harness's collector knows (outside
/// `FuzzTargets`, whose own `Target` would shadow the collector's).
func probedTargets() -> [Target] {
    [Target(accountId: "123456789012", region: "us-east-1"), Target(accountId: "210987654321", region: "eu-west-1")]
}
