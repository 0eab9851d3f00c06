#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Discovery
import Exposition
import Logging
import Support
import Synchronization
import WorkSpacesCollector

/// Re-reads `--config.file` on SIGHUP or `POST /-/reload` and hands what it
/// configures to the registry. An invalid file keeps the running targets and
/// says why; the outcome is exported under Prometheus's own names for it.
final class ConfigReloader: Sendable {
    private struct Status {
        var successful = true
        var lastSuccess: Double
    }

    let path: String?
    /// Reads the file: ``ExporterCommand/configured(_:)``, as at start-up.
    let load: @Sendable (String) throws -> Configured
    let registry: TargetRegistry
    let logger: Logger
    private let status: Locked<Status>
    /// One reload at a time; counts them. (Not a lock over `()`: ThreadSanitizer
    /// reports the access to a zero-sized value under it as a race.)
    private let reloading = Locked<UInt64>(0)

    init(path: String?, registry: TargetRegistry, logger: Logger, load: @escaping @Sendable (String) throws -> Configured) {
        self.path = path
        self.registry = registry
        self.logger = logger
        self.load = load
        self.status = Locked(Status(lastSuccess: Date().timeIntervalSince1970))
    }

    /// Reads the file again and applies it; the error in words when it was refused.
    @discardableResult
    func reload() -> String? {
        reloading.withLock { reloads in
            reloads &+= 1
            guard let path else {
                // Nothing to read: the flags describe the targets.
                markSuccess()
                return nil
            }
            let configured: Configured
            do {
                configured = try load(path)
                try registry.configure(staticTargets: configured.targets, sources: configured.sources)
            } catch {
                status.withLock { $0.successful = false }
                logger.error("reloading the configuration failed; the running configuration stays", metadata: ["file": "\(path)", "err": "\(error)"])
                return "\(error)"
            }
            markSuccess()
            logger.info("configuration reloaded", metadata: [
                "file": "\(path)", "targets": "\(configured.targets.count)", "organizations": "\(configured.sources.count)",
            ])
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
