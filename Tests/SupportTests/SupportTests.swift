import Foundation
import Testing
@testable import Support

@Suite struct TextTests {
    @Test func trimsWhitespaceOnlyAtTheEnds() {
        #expect("  a b\t".trimmingWhitespace() == "a b")
        #expect("\t\n x \r\n".trimmingWhitespaceAndNewlines() == "x")
        #expect(" \n ".trimmingWhitespace() == "\n")
        #expect("   ".trimmingWhitespace() == "")
    }

    @Test func boundsOnAScalarBoundary() {
        #expect("short".bounded(maxBytes: 10) == "short")
        let cut = String(repeating: "é", count: 100).bounded(maxBytes: 21)
        #expect(cut.utf8.count <= 21 && cut.hasSuffix("…"))
        #expect(String(repeating: "😀", count: 10).bounded(maxBytes: 10).unicodeScalars.allSatisfy { $0 == "😀" || $0 == "…" })
    }

    @Test func findsLineBreaksThatACharacterCheckWouldMiss() {
        #expect("a\r\nb".containsLineBreakOrNul)
        #expect("a\rb".containsLineBreakOrNul && "a\nb".containsLineBreakOrNul && "a\u{0}b".containsLineBreakOrNul)
        #expect(!"a b\t".containsLineBreakOrNul)
        // The trap this avoids:
        #expect(!"a\r\nb".contains(where: { $0 == "\r" || $0 == "\n" }))
    }

    @Test func readsCBuffersUpToTheirNul() {
        #expect(String(nulTerminated: [104, 105, 0, 120]) == "hi")
        #expect(String(nulTerminated: [104, 105]) == "hi")
    }
}

@Suite struct FileContentsTests {
    @Test func readsAndSaysWhyNot() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("support-\(UUID().uuidString)")
        try "hello\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(try FileContents.text(url.path) == "hello\n")
        #expect(FileContents.exists(url.path))
        #expect(throws: FileContents.Failure.self) { try FileContents.text(url.path, maxBytes: 3) }
        #expect { try FileContents.bytes("/nonexistent/file") } throws: { "\($0)".contains("No such file or directory") }
        try Data([0xFF, 0xFE]).write(to: url)
        #expect { try FileContents.text(url.path) } throws: { "\($0)".contains("not valid UTF-8") }
    }
}

@Suite struct DedicatedThreadTests {
    /// A thread carries the name it was started with (cut to the kernel's 15
    /// bytes), for `top -H` and per-thread CPU figures.
    @Test func threadsAreNamed() async {
        let short = await DedicatedThread.run(name: "test-name") { (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "" }
        #expect(short == "test-name\n")
        let long = await DedicatedThread.run(name: "a-rather-long-thread-name") { (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "" }
        #expect(long == "a-rather-long-t\n")
    }

    /// Blocking work on threads of its own leaves Swift's cooperative pool
    /// (as many threads as cores) free: eight jobs that each block until all
    /// eight have started all get there, which on a two-thread pool they
    /// could not (each would wait its 30 s and see fewer than eight).
    @Test func blockingWorkDoesNotHoldThePool() async {
        final class Arrivals: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
            func arrive() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
        }
        let release = DispatchSemaphore(value: 0)
        let counter = Arrivals()
        let saw = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    await DedicatedThread.run {
                        if counter.arrive() == 8 { for _ in 0..<8 { release.signal() } }
                        return release.wait(timeout: .now() + 30) == .success
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(saw == Array(repeating: true, count: 8), "the jobs ran a pool thread at a time")
    }
}

