/// Why a `--web.config.file` was refused: the file, the line when known, and
/// the problem, so that start-up can say exactly what to fix.
public struct WebConfigurationError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "web config file \(file), line \(line): \(problem)" }
        return "web config file \(file): \(problem)"
    }
}
