import AWSCore
import AWSWorkSpaces
import Exposition
import Foundation
import PrometheusHTTP
import WorkSpacesCollector
import WorkSpacesEmulator

/// In-process benchmark of what a scrape costs besides the API: mapping images
/// to families, rendering the text format, and gzip at levels 1, 6 and 9.
/// Prints a Markdown table of medians. Run: `swift run -c release workspaces_render_bench`.
@main
struct RenderBenchmark {
    static func main() throws {
        let counts = CommandLine.arguments.dropFirst().compactMap(Int.init)
        print("| images | map + render ms | body bytes | gzip -1 ms (bytes) | gzip -6 ms (bytes) | gzip -9 ms (bytes) | -6 time ÷ -1 | -6 size ÷ -1 |")
        print("|---|---|---|---|---|---|---|---|")
        for count in counts.isEmpty ? [100, 1000, 10_000] : counts {
            let images = SeedImages.images(count: count).map(workspaceImage)
            let runs = max(5, 20_000 / max(count, 1))
            var body: [UInt8] = []
            let render = median(runs) {
                let families = MetricFamily.merge(ImageMetrics.families(for: images, target: TargetLabels(accountId: "123456789012", region: "us-east-1"), now: 1_764_374_400).families)
                body = TextFormat.encode(families)
            }
            var sizes: [Int32: Int] = [:]
            var times: [Int32: Double] = [:]
            for level: Int32 in [1, 6, 9] {
                times[level] = try medianThrowing(runs) { sizes[level] = try Gzip.compress(body, level: level).count }
            }
            func cell(_ level: Int32) -> String { String(format: "%.3f (%d)", times[level] ?? 0, sizes[level] ?? 0) }
            print(String(format: "| %d | %.3f | %d | %@ | %@ | %@ | %.2f | %.2f |", count, render, body.count,
                         cell(1), cell(6), cell(9), (times[6] ?? 0) / (times[1] ?? 1), Double(sizes[6] ?? 0) / Double(sizes[1] ?? 1)))
        }
        try apiSide(count: counts.isEmpty ? 500 : counts[0])
    }

    /// What each API page costs the exporter besides the network: decoding the
    /// JSON answer and signing the request.
    static func apiSide(count: Int) throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: count)))
        var pages: [[UInt8]] = []
        var token: String? = nil
        repeat {
            let request = Array((token.map { #"{"MaxResults":25,"NextToken":"\#($0)"}"# } ?? #"{"MaxResults":25}"#).utf8)
            let signed = SigV4Signer(region: "us-east-1", service: "workspaces").sign(
                .init(method: "POST", path: "/", headers: [("Host", "emulator"), ("X-Amz-Target", "WorkspacesService.DescribeWorkspaceImages")], body: request),
                credentials: AWSCredentials(accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret"), date: Date().timeIntervalSince1970)
            let headers = Dictionary(signed.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
            guard case let .respond(_, _, body) = api.handle(method: "POST", path: "/", headers: headers, body: request) else { break }
            pages.append(body)
            token = try DescribeWorkspaceImagesResponse.decode(body).nextToken
        } while token != nil
        let decode = try medianThrowing(20) { for page in pages { _ = try DescribeWorkspaceImagesResponse.decode(page) } }
        // The baseline, side by side: Foundation's JSONDecoder on the same pages.
        let foundation = try medianThrowing(20) { for page in pages { _ = try ReferenceDecoder.decode(page) } }
        let signer = SigV4Signer(region: "us-east-1", service: "workspaces")
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret")
        let sign = median(20) {
            for page in pages {
                _ = signer.sign(.init(method: "POST", path: "/", headers: [("Host", "workspaces.us-east-1.amazonaws.com")], body: page), credentials: credentials, date: 1_764_374_400)
            }
        }
        print("")
        print("| \(count) images, \(pages.count) pages | decode all pages ms (JSONReader) | same with Foundation's JSONDecoder ms | reader ÷ JSONDecoder | sign \(pages.count) requests ms |")
        print("|---|---|---|---|---|")
        print(String(format: "| per scrape | %.3f | %.3f | %.2f | %.3f |", decode, foundation, decode / foundation, sign))
    }

    static func workspaceImage(_ image: EmulatedImage) -> WorkspaceImage {
        WorkspaceImage(
            imageId: image.imageId, name: image.name, description: image.description,
            operatingSystem: image.hasOperatingSystem ? .init(type: image.operatingSystemType) : nil,
            state: image.state, requiredTenancy: image.requiredTenancy, errorCode: image.errorCode,
            errorMessage: image.errorMessage, created: image.created, ownerAccountId: image.ownerAccountId,
            updates: image.updateAvailable.map { .init(updateAvailable: $0) },
            errorDetails: image.errorDetailCodes?.map { .init(errorCode: $0) })
    }

    /// Median wall time of `runs` calls, in milliseconds.
    static func median(_ runs: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<runs {
            let elapsed = clock.measure(body)
            samples.append(elapsed / .milliseconds(1))
        }
        return samples.sorted()[samples.count / 2]
    }

    static func medianThrowing(_ runs: Int, _ body: () throws -> Void) throws -> Double {
        var failure: (any Error)?
        let result = median(runs) {
            do { try body() } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }
}
