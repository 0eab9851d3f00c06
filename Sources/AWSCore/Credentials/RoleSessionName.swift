#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Session names for assumed roles, as the SDKs generate them when unset.
enum RoleSessionName {
    static func generated() -> String {
        "workspaces-exporter-\(Int(Date().timeIntervalSince1970 * 1000))"
    }
}
