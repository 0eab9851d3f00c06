public import ServiceLifecycle

/// Refreshes every `organizations` entry in the background, each on its
/// own `refresh_interval`, until graceful shutdown. A reload that adds or
/// changes an entry makes it due at once, and it is listed then. Between
/// listings the loop sleeps until the next one is due (``TargetRegistry/waitForWork()``):
/// an idle exporter is not woken every second.
public struct DiscoveryService: Service {
    let registry: TargetRegistry

    public init(registry: TargetRegistry) {
        self.registry = registry
    }

    public func run() async throws {
        let registry = self.registry
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    // Entries refresh independently: a slow one does not delay another.
                    for (id, source) in registry.takeDue(now: .now) {
                        group.addTask { await registry.refresh(id: id, source) }
                    }
                    await registry.waitForWork()
                }
            }
        }
    }
}
