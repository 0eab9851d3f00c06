import AWSWorkSpaces
import HTTPServer
import WorkSpacesCollector

/// `GET /sd`: every target in Prometheus's HTTP service discovery format,
/// for `http_sd_configs` and relabelling to `/probe`:
///
/// ```json
/// [{"targets": ["111111111111/eu-west-1"],
///   "labels": {"__meta_workspaces_account_id": "111111111111", "__meta_workspaces_region": "eu-west-1",
///              "__meta_workspaces_account_name": "Production"}}]
/// ```
///
/// The labels are `__meta_` ones: plain `account_id` and `region` target
/// labels would collide with the exporter's own series labels (Prometheus
/// would rename those to `exported_…`); relabelling may keep what it wants.
struct ServiceDiscoveryHandler: Sendable {
    let collector: WorkSpacesCollector
    /// How long learning unknown accounts (STS) may take.
    let timeout: Duration
    /// Whether every `organizations` entry has been listed once.
    let complete: @Sendable () -> Bool

    /// 503 rather than an incomplete list: Prometheus drops the targets a
    /// successful answer leaves out, and keeps its last list on an error.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard complete() else {
            return .text(503, "the organization's accounts have not been listed yet; try again", headers: [("Retry-After", "5")])
        }
        let (list, unknown) = await collector.targetList(deadline: .now.advanced(by: timeout))
        guard unknown == 0 else {
            return .text(503, "the account of \(unknown) target(s) of the exporter's own identity is not known yet (STS GetCallerIdentity failed); see the log", headers: [("Retry-After", "5")])
        }
        var writer = JSONWriter()
        writer.beginArray()
        for entry in list {
            writer.beginObject()
            writer.member("targets", [entry.labels.target])
            writer.key("labels")
            writer.beginObject()
            writer.member("__meta_workspaces_account_id", entry.labels.accountId)
            writer.member("__meta_workspaces_region", entry.labels.region)
            writer.member("__meta_workspaces_account_name", entry.accountName)
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: writer.bytes)
    }
}
