import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct BuildInfoTests {
    @Test func buildInfoHasNoRegionAndIsOne() {
        let family = BuildInfo(version: "1.2.3", revision: "abc", branch: "main", swiftVersion: "6.3").family
        #expect(String(decoding: TextFormat.encode([family]), as: UTF8.self).hasSuffix(
            "aws_workspaces_exporter_build_info{branch=\"main\",revision=\"abc\",swift_version=\"6.3\",version=\"1.2.3\"} 1\n"))
    }

    @Test func thisBuildKnowsItsCommit() {
        // Built from a git checkout: the VersionStamp plugin read the revision.
        let revision = BuildInfo.current.revision
        #expect(revision.count == 40 && revision.allSatisfy(\.isHexDigit), "\(revision)")
        #expect(BuildInfo.current.swiftVersion.hasPrefix("6."))
        #expect(BuildInfo.current.printed(program: "x").contains("revision: \(revision)"))
    }
}
