import AWSCore
import AWSWorkSpaces
import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct APIMetricsTests {
    @Test func countersAndHistogramMatchGolden() throws {
        let metrics = APIMetrics()
        let east = APIContext(accountId: "123456789012", region: "us-east-1")
        metrics.attemptFinished(east, operation: "DescribeWorkspaceImages", code: "200", seconds: 0.04)
        metrics.attemptFinished(east, operation: "DescribeWorkspaceImages", code: "200", seconds: 0.3)
        metrics.attemptFinished(east, operation: "DescribeWorkspaceImages", code: "ThrottlingException", seconds: 0.02)
        metrics.retrying(east, operation: "DescribeWorkspaceImages", reason: "throttling")
        metrics.attemptFinished(APIContext(accountId: "111111111111", region: "eu-west-1"), operation: "DescribeWorkspaceImages", code: "200", seconds: 45)
        try expectGolden(String(decoding: TextFormat.encode(metrics.families()), as: UTF8.self), "api_metrics.prom")
        // The same in OpenMetrics: counters named without _total, # EOF at the end.
        let openMetrics = ExpositionFormat.openMetrics(version: "1.0.0").encode(metrics.families())
        try expectGolden(String(decoding: openMetrics, as: UTF8.self), "api_metrics.om.txt")
    }
}

extension APIMetricsTests {
    @Test func removedTargetsStopBeingExported() {
        let metrics = APIMetrics()
        let kept = APIContext(accountId: "111111111111", region: "eu-west-1")
        let removed = APIContext(accountId: "222222222222", region: "us-west-2")
        metrics.attemptFinished(kept, operation: "DescribeWorkspaceImages", code: "200", seconds: 0.1)
        metrics.attemptFinished(removed, operation: "DescribeWorkspaceImages", code: "200", seconds: 0.1)
        metrics.retrying(removed, operation: "DescribeWorkspaceImages", reason: "throttling")
        metrics.remove([removed])
        let text = String(decoding: TextFormat.encode(metrics.families()), as: UTF8.self)
        #expect(text.contains("111111111111"))
        #expect(!text.contains("222222222222"))
    }
}
