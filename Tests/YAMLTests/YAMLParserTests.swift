import Testing
@testable import YAML

@Suite struct YAMLParserTests {
    @Test func mappingsSequencesScalarsAndLines() throws {
        let root = try #require(try YAMLParser.parse("""
        # a comment
        targets:
          - regions: [eu-west-1, "us-east-1"]
            flag: true
            count: 12
            empty:
            quoted: 'null'
        """))
        let top = try #require(root.mapping)
        #expect(top.count == 1 && top[0].key.scalar == "targets" && top[0].key.line == 2)
        let item = try #require(top[0].value.sequence?.first?.mapping)
        #expect(item.map { $0.key.scalar } == ["regions", "flag", "count", "empty", "quoted"])
        #expect(item[0].value.sequence?.compactMap(\.scalar) == ["eu-west-1", "us-east-1"])
        #expect(item[0].key.line == 3)
        #expect(item[1].value.bool == true && item[2].value.int == 12)
        #expect(item[3].value.isNull, "an empty plain value is null")
        #expect(!item[4].value.isNull && item[4].value.scalar == "null", "a quoted null is a string")
    }

    @Test func emptyDocumentsHaveNoRoot() throws {
        #expect(try YAMLParser.parse("") == nil)
        #expect(try YAMLParser.parse("# only a comment\n") == nil)
    }

    @Test func aRepeatedKeyIsRefusedWithBothLines() {
        #expect { try YAMLParser.parse("a: 1\nb: 2\na: 3\n") } throws: { error in
            guard let error = error as? YAMLError else { return false }
            return error.line == 3 && error.problem.contains("duplicated key \"a\"") && error.problem.contains("line 1")
        }
    }

    @Test func syntaxErrorsSayWhere() {
        #expect { try YAMLParser.parse("a: [1, 2\nb: 3\n") } throws: { ($0 as? YAMLError)?.line != nil }
        #expect { try YAMLParser.parse("a: 1\n---\nb: 2\n") } throws: { "\($0)".contains("more than one") }
    }

    @Test func aliasesResolveWithinABound() throws {
        let root = try #require(try YAMLParser.parse("base: &b [x, y]\ncopy: *b\n"))
        #expect(root.mapping?[1].value.sequence?.compactMap(\.scalar) == ["x", "y"])
        // "Billion laughs": each level doubles; refused long before memory runs out.
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in "bcdefghij" {
            bomb += "\(level): &\(level) [*\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous)]\n"
            previous = String(level)
        }
        #expect { try YAMLParser.parse(bomb) } throws: { "\($0)".contains("aliases expand") }
        #expect { try YAMLParser.parse("a: *nope\n") } throws: { "\($0)".contains("unknown alias") }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: YAMLError.self) { try YAMLParser.parse(deep) }
    }
}
