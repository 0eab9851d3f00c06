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

    @Test func everyTargetHasACorpus() {
        #expect(Self.targets.count >= 14, "\(Self.targets)")
    }

    @Test(arguments: targets)
    func corpusReplaysWithoutATrap(target: String) async throws {
        let corpus = PackagePaths.root.appendingPathComponent("Tests/Fuzz/Corpus/\(target)").path
        let replay = try ChildProcess(PackagePaths.binary("WorkSpacesFuzz").path, [target, corpus])
        let status = await replay.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("\(target): "), "\(replay.stdout)")
    }
}
