import ArgumentParser
import Logging

/// `--log.level`, with Prometheus's level names.
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case debug, info, warn, error
    var level: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warn: return .warning
        case .error: return .error
        }
    }
}
