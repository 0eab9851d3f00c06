#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What files looked like when something was read from them: their inode,
/// size and modification time. Compared later, it says whether to read them
/// again: the AWS shared files (rotated keys) and the web config's
/// certificate and key (renewed certificates), without a restart.
public struct FileStamp: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        let path: String
        let exists: Bool
        let inode: UInt64
        let size: Int64
        let modifiedSeconds: Int
        let modifiedNanoseconds: Int
    }

    let entries: [Entry]

    /// The files as they are now; a missing file is part of the stamp too.
    public static func of(_ paths: [String]) -> FileStamp {
        FileStamp(entries: paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else {
                return Entry(path: path, exists: false, inode: 0, size: 0, modifiedSeconds: 0, modifiedNanoseconds: 0)
            }
            #if canImport(Glibc)
            let modified = info.st_mtim
            #else
            let modified = info.st_mtimespec
            #endif
            return Entry(path: path, exists: true, inode: UInt64(info.st_ino), size: Int64(info.st_size),
                         modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
        })
    }

    /// Whether the files still look the same (two `stat` calls: cheap enough per request).
    public var isCurrent: Bool {
        Self.of(entries.map(\.path)) == self
    }
}
