import Exposition
import Testing
@testable import ProcessMetrics

@Suite struct ProcessMetricsTests {
    @Test func readsItsOwnProcess() throws {
        let families = ProcessMetrics.families()
        let names = Set(families.map(\.name))
        #expect(names.isSuperset(of: ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_start_time_seconds", "process_open_fds", "process_max_fds"]))
        let rss = try #require(families.first { $0.name == "process_resident_memory_bytes" }?.samples.first?.value)
        #expect(rss > 1_000_000)
    }

    @Test func parsesStatWithParenthesesAndSpacesInTheName() throws {
        // Fields after the command name, as proc(5) numbers them from 3.
        let fields = (3...30).map { $0 == 14 ? "250" : $0 == 15 ? "50" : $0 == 22 ? "1000" : $0 == 23 ? "4096000" : $0 == 24 ? "300" : "0" }
        let line = "1234 (my (weird) name) S " + fields.dropFirst().joined(separator: " ") + "\n"
        let stat = try #require(ProcessMetrics.ProcStat(Array(line.utf8)))
        #expect(stat.userTicks == 250 && stat.systemTicks == 50 && stat.startTicks == 1000)
        #expect(stat.virtualBytes == 4_096_000 && stat.residentPages == 300)
        #expect(ProcessMetrics.ProcStat(Array("garbage".utf8)) == nil)
    }
}
