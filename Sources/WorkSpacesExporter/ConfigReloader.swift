#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Discovery
import Exposition
import Logging
import Synchronization
import WorkSpacesCollector

/// Re-reads `--config.file` on SIGHUP or `POST /-/reload`. An invalid file
/// keeps the running targets and says why; the outcome is exported under
/// Prometheus's own names for it.
final class ConfigReloader: Sendable {
    private struct Status {
        var successful = true
        var lastSuccess: Double
    }

    let path: String?
    let collectors: Set<CollectorKind>
    let pageSize: Int
    let logger: Logger
    private let registry = Mutex<TargetRegistry?>(nil)
    private let status: Mutex<Status>
    /// One reload at a time.
    private let reloading = Mutex(())

    init(path: String?, collectors: Set<CollectorKind>, pageSize: Int, logger: Logger) {
        self.path = path
        self.collectors = collectors
        self.pageSize = pageSize
        self.logger = logger
        self.status = Mutex(Status(lastSuccess: Date().timeIntervalSince1970))
    }

    /// The registry whose static targets and organizations entries a reload replaces.
    func attach(_ registry: TargetRegistry) {
        self.registry.withLock { $0 = registry }
    }

    /// Reads the file again and applies it; the error in words when it was refused.
    @discardableResult
    func reload() -> String? {
        reloading.withLock { _ in
            guard let path else {
                // Nothing to read: the flags describe the targets.
                markSuccess()
                return nil
            }
            let targets: [Target]
            let sources: [OrganizationsSource]
            do {
                let file = try ConfigFile.load(path)
                targets = file.targets(collectors: collectors, pageSize: pageSize)
                sources = file.organizations
                try registry.withLock { $0 }?.configure(staticTargets: targets, sources: sources)
            } catch {
                status.withLock { $0.successful = false }
                logger.error("reloading the configuration failed; the running configuration stays", metadata: ["file": "\(path)", "err": "\(error)"])
                return "\(error)"
            }
            markSuccess()
            logger.info("configuration reloaded", metadata: ["file": "\(path)", "targets": "\(targets.count)", "organizations": "\(sources.count)"])
            return nil
        }
    }

    private func markSuccess() {
        status.withLock { $0 = Status(successful: true, lastSuccess: Date().timeIntervalSince1970) }
    }

    /// `aws_workspaces_config_last_reload_successful` and its timestamp.
    func families() -> [MetricFamily] {
        let current = status.withLock { $0 }
        return [
            MetricFamily(name: "aws_workspaces_config_last_reload_successful", help: "Whether the last configuration reload attempt was successful (1) or not (0).", type: .gauge,
                         samples: [Sample(value: current.successful ? 1 : 0)]),
            MetricFamily(name: "aws_workspaces_config_last_reload_success_timestamp_seconds", help: "Timestamp of the last successful configuration reload (or of the start), in Unix seconds.", type: .gauge,
                         samples: [Sample(value: current.lastSuccess)]),
        ]
    }
}
