import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct BuildInfoTests {
    @Test func buildInfoHasNoRegionAndIsOne() {
        let family = BuildInfo(version: "1.2.3", revision: "abc", swiftVersion: "6.3").family
        #expect(String(decoding: TextFormat.encode([family]), as: UTF8.self).hasSuffix(
            "aws_workspaces_exporter_build_info{revision=\"abc\",swift_version=\"6.3\",version=\"1.2.3\"} 1\n"))
    }
}
