public import Exposition
import Support
#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` metrics, read from /proc on every scrape as
/// client_golang's process collector does. Off Linux there is no /proc, and
/// the families are simply absent.
public enum ProcessMetrics {
    /// The families, or none when /proc cannot be read.
    public static func families() -> [MetricFamily] {
        #if os(Linux)
        guard let stat = readFile("/proc/self/stat").flatMap(ProcStat.init) else { return [] }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var families = [
            MetricFamily(name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: .counter,
                         samples: [Sample(value: Double(stat.userTicks + stat.systemTicks) / ticks)]),
            MetricFamily(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge,
                         samples: [Sample(value: Double(stat.residentPages) * pageSize)]),
            MetricFamily(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.", type: .gauge,
                         samples: [Sample(value: Double(stat.virtualBytes))]),
        ]
        if let bootTime {
            families.append(MetricFamily(
                name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.", type: .gauge,
                samples: [Sample(value: bootTime + Double(stat.startTicks) / ticks)]))
        }
        if let open = openDescriptors() {
            families.append(MetricFamily(name: "process_open_fds", help: "Number of open file descriptors.", type: .gauge, samples: [Sample(value: Double(open))]))
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            let value = limit.rlim_cur == rlim_t.max ? Double.infinity : Double(limit.rlim_cur)
            families.append(MetricFamily(name: "process_max_fds", help: "Maximum number of open file descriptors.", type: .gauge, samples: [Sample(value: value)]))
        }
        return families
        #else
        return []
        #endif
    }

    #if os(Linux)
    /// The fields of /proc/self/stat that the metrics need (proc(5)).
    struct ProcStat {
        let userTicks: UInt64
        let systemTicks: UInt64
        let startTicks: UInt64
        let virtualBytes: UInt64
        let residentPages: UInt64

        /// Parses after the last ')', since the command name may hold spaces
        /// and parentheses. Field 3 (state) is the first after it.
        init?(_ bytes: [UInt8]) {
            guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
            let fields = bytes[(close + 1)...]
                .split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
                .map { String(decoding: $0, as: UTF8.self) }
            // fields[0] is field 3 of proc(5); field n is fields[n - 3].
            func field(_ number: Int) -> UInt64? {
                let index = number - 3
                guard fields.indices.contains(index) else { return nil }
                return UInt64(fields[index])
            }
            guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let resident = field(24) else { return nil }
            userTicks = user
            systemTicks = system
            startTicks = start
            virtualBytes = virtual
            residentPages = resident
        }
    }

    /// System boot time, from the `btime` line of /proc/stat; it never changes.
    static let bootTime: Double? = {
        guard let bytes = readFile("/proc/stat") else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("btime ".utf8)) {
            return Double(String(decoding: line.dropFirst(6), as: UTF8.self))
        }
        return nil
    }()

    static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        // The directory being read is itself an open descriptor.
        return max(0, count - 1)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        try? FileContents.bytes(path, maxBytes: 1 << 20)
    }
    #endif
}
