/// One node of a YAML document, with the line it starts on, so that a
/// configuration loader can say where a problem is.
///
/// Scalars keep their text; what a scalar means (a string, a number, a
/// boolean, null) is decided by the loader that knows what it expects, as
/// YAML 1.2's core schema does for plain scalars.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        /// `plain` is false for quoted and block scalars, which are always strings.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    /// A key and its value, in document order.
    public struct Pair: Sendable {
        public let key: YAMLNode
        public let value: YAMLNode
    }

    public let kind: Kind
    /// 1-based line where the node starts.
    public let line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// The text of a scalar; nil for collections.
    public var scalar: String? {
        if case let .scalar(text, _) = kind { return text }
        return nil
    }

    /// The pairs of a mapping; nil otherwise.
    public var mapping: [Pair]? {
        if case let .mapping(pairs) = kind { return pairs }
        return nil
    }

    /// The items of a sequence; nil otherwise.
    public var sequence: [YAMLNode]? {
        if case let .sequence(items) = kind { return items }
        return nil
    }

    /// A plain `null`, `~` or empty scalar.
    public var isNull: Bool {
        guard case let .scalar(text, plain) = kind, plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// A plain `true` or `false` (any case YAML 1.2 allows).
    public var bool: Bool? {
        guard case let .scalar(text, plain) = kind, plain else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A plain decimal integer.
    public var int: Int? {
        guard case let .scalar(text, plain) = kind, plain else { return nil }
        return Int(text)
    }
}
