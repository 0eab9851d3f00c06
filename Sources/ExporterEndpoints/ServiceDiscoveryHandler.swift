import AWSCore
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
    /// The `organizations` entries still being listed for the first time.
    let unsettled: @Sendable () -> [String]

    /// What is known: the static targets and each entry's last good listing.
    /// While an entry is still being listed for the first time (at most 2
    /// minutes after the start; not for a refused one) the answer is 503
    /// rather than a list without it: Prometheus drops the targets a
    /// successful answer leaves out, and keeps its last list on an error.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let waiting = unsettled()
        guard waiting.isEmpty else {
            return .text(503, "still listing the accounts of \(waiting.joined(separator: ", ")) for the first time; try again", headers: [("Retry-After", "5")])
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
