/// The type of a metric family, as written on its `# TYPE` line.
public enum MetricType: String, Sendable, Hashable {
    case gauge
    case counter
    case histogram
    case summary
    case untyped
}
