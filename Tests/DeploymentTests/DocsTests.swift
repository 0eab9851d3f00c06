import Foundation
import TestSupport
import Testing

/// The documentation: README.md stays a landing page, and README.md and every
/// docs/*.md pass scripts/check-docs.py against the exporter's own `--help`
/// (every relative link and anchor resolves; every exporter flag they mention
/// is one the binary has).
@Suite(.timeLimit(.minutes(2)))
struct DocsTests {
    static let script = PackagePaths.root.appendingPathComponent("scripts/check-docs.py").path

    @Test func linksResolveAndEveryFlagMentionedIsTheExporters() async throws {
        let help = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--help"])
        #expect(help.status == 0, "workspaces_exporter --help: \(help.output)")
        #expect(help.output.contains("--web.listen-address"), "\(help.output)")
        let python = try #require(PackagePaths.which("python3"), "python3 is needed (scripts/deps.sh test)")
        let check = try await runCommand(python, [Self.script], stdin: help.output)
        #expect(check.status == 0, "scripts/check-docs.py failed:\n\(check.output)")
        #expect(check.output.contains(": ok"), "\(check.output)")
    }

    @Test func theReadmeIsALandingPageOfAtMost300Lines() throws {
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        // As `wc -l` counts: newline characters.
        let lines = readme.utf8.filter { $0 == UInt8(ascii: "\n") }.count
        #expect(lines <= 300, "README.md has \(lines) lines; move detail into docs/ (index: docs/README.md)")
    }

    /// The fuzzing table names every target there is (one corpus folder each) and no other.
    @Test func theFuzzingTableListsEveryTarget() throws {
        let corpora = try FileManager.default.contentsOfDirectory(atPath: PackagePaths.root.appendingPathComponent("Tests/Fuzz/Corpus").path)
        let page = try String(contentsOf: PackagePaths.root.appendingPathComponent("docs/development.md"), encoding: .utf8)
        let start = try #require(page.range(of: "| target | what it feeds |"))
        let table = page[start.upperBound...].split(separator: "\n").drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        let listed = Set(table.compactMap { row -> String? in
            let cell = row.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? ""
            return cell.hasPrefix("`") ? cell.trimmingCharacters(in: CharacterSet(charactersIn: "`")) : nil
        })
        #expect(corpora.count >= 20)
        #expect(listed == Set(corpora), "listed but no corpus: \(listed.subtracting(corpora).sorted()); corpus but not listed: \(Set(corpora).subtracting(listed).sorted())")
    }
}
