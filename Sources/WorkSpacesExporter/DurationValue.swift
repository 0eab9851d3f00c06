import ArgumentParser
import Support

/// A duration flag, in Prometheus's syntax (``PrometheusDuration``).
struct DurationValue: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    let duration: Duration

    init(_ duration: Duration) {
        self.duration = duration
    }

    init?(argument: String) {
        guard let duration = PrometheusDuration.parse(argument) else { return nil }
        self.duration = duration
    }

    var seconds: Double { duration / .seconds(1) }

    var description: String { PrometheusDuration.format(duration) }

    var defaultValueDescription: String { description }

    static func format(_ duration: Duration) -> String { PrometheusDuration.format(duration) }
}
