#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small files whole with plain system calls: configuration, token and
/// key files, and `/proc`. A failure says why in the system's words.
public enum FileContents {
    /// Why a file could not be read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    /// The file's bytes; files over `maxBytes` are refused rather than read
    /// whole, since a token or config file that large is a mistake.
    public static func bytes(_ path: String, maxBytes: Int = 16 << 20) throws(Failure) -> [UInt8] {
        // O_NONBLOCK: a FIFO or device named by mistake must not block the
        // opening thread; only regular files are read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Failure(path: path, reason: "not a regular file") }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return out }
            guard out.count + count <= maxBytes else { throw Failure(path: path, reason: "larger than \(maxBytes) bytes") }
            out += buffer[0..<count]
        }
    }

    /// The file as UTF-8 text; invalid UTF-8 is an error.
    public static func text(_ path: String, maxBytes: Int = 16 << 20) throws(Failure) -> String {
        let data = try bytes(path, maxBytes: maxBytes)
        guard let text = String(validating: data, as: UTF8.self) else { throw Failure(path: path, reason: "not valid UTF-8") }
        return text
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether this process may read `path`.
    public static func isReadable(_ path: String) -> Bool {
        access(path, R_OK) == 0
    }

    /// Whether `path` is a regular file (following links), as Python's `os.path.isfile`.
    public static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// Replaces the file at `path` with `data` at once: a new temporary file
    /// of its own in the same folder (`mkstemp`: never an existing one, so no
    /// other writer and no leftover shares it), readable by the owner only
    /// (0600), written, synced, then renamed over `path`.
    public static func replace(_ path: String, with data: [UInt8]) throws(Failure) {
        var template = Array("\(path).tmp-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            let descriptor = mkstemp(base)
            if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            return descriptor
        }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        guard fchmod(descriptor, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(temporary)
            throw Failure(path: temporary, reason: reason)
        }
        var written = 0
        while written < data.count {
            let count = data[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw Failure(path: temporary, reason: reason)
            }
            written += count
        }
        _ = fsync(descriptor)
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: path, reason: reason)
        }
    }
}
