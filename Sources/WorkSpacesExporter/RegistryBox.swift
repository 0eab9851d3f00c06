import Discovery
import Synchronization

/// Holds the target registry for the collector's live families, which are
/// wired before the registry exists.
final class RegistryBox: Sendable {
    private let stored = Mutex<TargetRegistry?>(nil)

    var registry: TargetRegistry? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
