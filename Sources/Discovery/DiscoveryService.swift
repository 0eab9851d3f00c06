public import ServiceLifecycle

/// Refreshes every `organizations` entry in the background, each on its
/// own `refresh_interval`, until graceful shutdown. A reload that adds or
/// changes an entry makes it due at once; the next tick (1 s) lists it.
public struct DiscoveryService: Service {
    let registry: TargetRegistry
    let tick: Duration

    public init(registry: TargetRegistry, tick: Duration = .seconds(1)) {
        self.registry = registry
        self.tick = tick
    }

    public func run() async throws {
        let registry = self.registry, tick = self.tick
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    // Entries refresh independently: a slow one does not delay another.
                    for (id, source) in registry.takeDue(now: .now) {
                        group.addTask { await registry.refresh(id: id, source) }
                    }
                    try? await Task.sleep(for: tick)
                }
            }
        }
    }
}
