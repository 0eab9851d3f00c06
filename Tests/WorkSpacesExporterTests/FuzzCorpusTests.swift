import Foundation
import TestSupport
import Testing

/// Every fuzz target (Tests/Fuzz) over its checked-in corpus, seeds and the
/// inputs of past campaigns and crashes, through the plain build of
/// `WorkSpacesFuzz`: a regression in any parser of untrusted input that one of
/// them once reached traps here, without libFuzzer. `scripts/fuzz.sh` does the
/// fuzzing itself (CI runs it briefly after the tests).
@Suite struct FuzzCorpusTests {
    static let targets = (try? FileManager.default.contentsOfDirectory(
        atPath: PackagePaths.root.appendingPathComponent("Tests/Fuzz/Corpus").path).sorted()) ?? []

    /// The binary's targets and the corpus folders are the same set.
    @Test func everyTargetHasACorpus() async throws {
        let usage = try ChildProcess(PackagePaths.binary("WorkSpacesFuzz").path, [])
        _ = await usage.waitForExit(timeout: .seconds(30))
        let listed = usage.stdout.components(separatedBy: "targets: ").last?.split(whereSeparator: \.isWhitespace).map(String.init) ?? []
        #expect(Set(listed) == Set(Self.targets), "binary: \(listed), corpora: \(Self.targets)")
        #expect(Self.targets.count >= 16)
    }

    @Test(arguments: targets)
    func corpusReplaysWithoutATrap(target: String) async throws {
        let corpus = PackagePaths.root.appendingPathComponent("Tests/Fuzz/Corpus/\(target)").path
        let replay = try ChildProcess(PackagePaths.binary("WorkSpacesFuzz").path, [target, corpus])
        let status = await replay.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "\(replay.stdout)\(replay.stderr)")
        let replayed = replay.stdout.components(separatedBy: "\(target): ").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect(replayed >= 1, "\(replay.stdout)")
    }
}
