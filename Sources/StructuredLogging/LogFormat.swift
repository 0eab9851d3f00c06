/// `--log.format`: go-kit's logfmt (the Prometheus default) or JSON.
public enum LogFormat: String, CaseIterable, Sendable {
    case logfmt
    case json
}
