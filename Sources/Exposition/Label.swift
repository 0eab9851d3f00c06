/// One label pair of a sample. Order of labels is kept as given: families
/// build their samples with a fixed label order, which makes output stable.
public struct Label: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
