import ArgumentParser

/// `--log.format`: go-kit's logfmt (the Prometheus default) or JSON.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case logfmt
    case json
}
