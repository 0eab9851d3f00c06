import Foundation
import Testing

/// Compares text with a golden file under `Golden/`. Run with `UPDATE_GOLDEN=1`
/// to rewrite the files after an intended change, then review the diff.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "output differs from Golden/\(name); UPDATE_GOLDEN=1 rewrites it", sourceLocation: sourceLocation)
}
