/// Why a document is not valid YAML, with the 1-based line when known.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public let line: Int?
    public let problem: String

    public init(line: Int?, problem: String) {
        self.line = line
        self.problem = problem
    }

    public var description: String { problem }
}
