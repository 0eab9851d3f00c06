import Exposition
import Testing
@testable import WorkSpacesCollector

@Suite struct APIMetricsTests {
    @Test func countersAndHistogramMatchGolden() throws {
        let metrics = APIMetrics()
        metrics.attemptFinished(region: "us-east-1", operation: "DescribeWorkspaceImages", code: "200", seconds: 0.04)
        metrics.attemptFinished(region: "us-east-1", operation: "DescribeWorkspaceImages", code: "200", seconds: 0.3)
        metrics.attemptFinished(region: "us-east-1", operation: "DescribeWorkspaceImages", code: "ThrottlingException", seconds: 0.02)
        metrics.retrying(region: "us-east-1", operation: "DescribeWorkspaceImages", reason: "throttling")
        metrics.attemptFinished(region: "eu-west-1", operation: "DescribeWorkspaceImages", code: "200", seconds: 45)
        try expectGolden(String(decoding: TextFormat.encode(metrics.families()), as: UTF8.self), "api_metrics.prom")
        // The same in OpenMetrics: counters named without _total, # EOF at the end.
        let openMetrics = ExpositionFormat.openMetrics(version: "1.0.0").encode(metrics.families())
        try expectGolden(String(decoding: openMetrics, as: UTF8.self), "api_metrics.om.txt")
    }
}
