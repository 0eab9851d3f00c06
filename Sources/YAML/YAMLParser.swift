import CYAML

/// Parses YAML with libyaml (Debian's libyaml-0-2) into ``YAMLNode``s.
///
/// Only what configuration files need: one document, anchors and aliases
/// resolved (with a bound, so a "billion laughs" file cannot exhaust memory),
/// tags ignored, and a key repeated in one mapping refused, since silently
/// keeping either value hides a mistake.
public enum YAMLParser {
    /// Most nodes an alias may expand to, in total, per document.
    static let maxAliasedNodes = 10_000
    /// Deepest nesting accepted.
    static let maxDepth = 64

    /// The document's root, or nil when the text holds no document (empty or
    /// comments only).
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError(line: nil, problem: "cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(YAMLError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var composer = Composer(parser: &parser)
            return try composer.document()
        }
    }

    /// Builds nodes from libyaml's event stream.
    struct Composer {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        var anchors: [String: YAMLNode] = [:]
        var aliased = 0

        init(parser: UnsafeMutablePointer<yaml_parser_t>) {
            self.parser = parser
        }

        mutating func document() throws(YAMLError) -> YAMLNode? {
            var root: YAMLNode?
            var documents = 0
            while true {
                let event = try next()
                defer { event.free() }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return root
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    guard documents == 1 else { throw YAMLError(line: event.line, problem: "more than one YAML document; expected one") }
                    root = try node(after: try next(), depth: 0)
                    let end = try next()
                    defer { end.free() }
                    guard end.type == YAML_DOCUMENT_END_EVENT else { throw YAMLError(line: end.line, problem: "expected the end of the document") }
                default:
                    continue
                }
            }
        }

        func next() throws(YAMLError) -> Event {
            let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
            guard yaml_parser_parse(parser, event) == 1 else {
                event.deallocate()
                let line = Int(parser.pointee.problem_mark.line) + 1
                let problem = parser.pointee.problem.map { String(cString: $0) } ?? "unknown error"
                let context = parser.pointee.context.map { String(cString: $0) + " " } ?? ""
                throw YAMLError(line: line, problem: "\(context)\(problem)")
            }
            return Event(raw: event)
        }

        /// The node that `event` starts; consumes the events up to its end.
        mutating func node(after event: Event, depth: Int) throws(YAMLError) -> YAMLNode {
            defer { event.free() }
            guard depth < YAMLParser.maxDepth else { throw YAMLError(line: event.line, problem: "nested more than \(YAMLParser.maxDepth) levels deep") }
            let line = event.line
            let result: YAMLNode
            switch event.type {
            case YAML_ALIAS_EVENT:
                let name = event.aliasName
                guard let target = anchors[name] else { throw YAMLError(line: line, problem: "unknown alias *\(name)") }
                aliased += target.size
                guard aliased <= YAMLParser.maxAliasedNodes else {
                    throw YAMLError(line: line, problem: "aliases expand to more than \(YAMLParser.maxAliasedNodes) nodes")
                }
                return YAMLNode(target.kind, line: line)
            case YAML_SCALAR_EVENT:
                result = YAMLNode(.scalar(event.scalarValue, plain: event.scalarIsPlain), line: line)
            case YAML_SEQUENCE_START_EVENT:
                var items: [YAMLNode] = []
                while true {
                    let item = try next()
                    if item.type == YAML_SEQUENCE_END_EVENT { item.free(); break }
                    items.append(try node(after: item, depth: depth + 1))
                }
                result = YAMLNode(.sequence(items), line: line)
            case YAML_MAPPING_START_EVENT:
                var pairs: [YAMLNode.Pair] = []
                var seen: [String: Int] = [:]
                while true {
                    let keyEvent = try next()
                    if keyEvent.type == YAML_MAPPING_END_EVENT { keyEvent.free(); break }
                    let key = try node(after: keyEvent, depth: depth + 1)
                    if let text = key.scalar {
                        if let first = seen[text] {
                            throw YAMLError(line: key.line, problem: "duplicated key \"\(text)\" (first on line \(first))")
                        }
                        seen[text] = key.line
                    }
                    let value = try node(after: try next(), depth: depth + 1)
                    pairs.append(YAMLNode.Pair(key: key, value: value))
                }
                result = YAMLNode(.mapping(pairs), line: line)
            default:
                throw YAMLError(line: line, problem: "unexpected YAML event")
            }
            if let anchor = event.anchor { anchors[anchor] = result }
            return result
        }
    }

    /// One libyaml event, freed by its consumer.
    struct Event {
        let raw: UnsafeMutablePointer<yaml_event_t>

        var type: yaml_event_type_t { raw.pointee.type }
        var line: Int { Int(raw.pointee.start_mark.line) + 1 }

        var anchor: String? {
            let pointer: UnsafeMutablePointer<yaml_char_t>?
            switch type {
            case YAML_SCALAR_EVENT: pointer = raw.pointee.data.scalar.anchor
            case YAML_SEQUENCE_START_EVENT: pointer = raw.pointee.data.sequence_start.anchor
            case YAML_MAPPING_START_EVENT: pointer = raw.pointee.data.mapping_start.anchor
            default: pointer = nil
            }
            return pointer.map { String(cString: $0) }
        }

        var aliasName: String {
            raw.pointee.data.alias.anchor.map { String(cString: $0) } ?? ""
        }

        var scalarValue: String {
            let scalar = raw.pointee.data.scalar
            guard let value = scalar.value else { return "" }
            return String(decoding: UnsafeBufferPointer(start: value, count: scalar.length), as: UTF8.self)
        }

        var scalarIsPlain: Bool {
            raw.pointee.data.scalar.style == YAML_PLAIN_SCALAR_STYLE || raw.pointee.data.scalar.style == YAML_ANY_SCALAR_STYLE
        }

        func free() {
            yaml_event_delete(raw)
            raw.deallocate()
        }
    }
}

extension YAMLNode {
    /// Nodes in this subtree, for the alias expansion bound.
    var size: Int {
        switch kind {
        case .scalar: return 1
        case let .sequence(items): return 1 + items.reduce(0) { $0 + $1.size }
        case let .mapping(pairs): return 1 + pairs.reduce(0) { $0 + $1.key.size + $1.value.size }
        }
    }
}
