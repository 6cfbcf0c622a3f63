#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file-system call that failed, with the call, path and `strerror` text.
struct FileOperationError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let code: Int32
    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// File moves that survive a crash or power loss at any instant, and never overwrite.
///
/// Every helper is idempotent: run again after a crash in its middle, it finishes the job
/// instead of duplicating or losing data. Names starting with `.srd-` are the helpers' own
/// temporary names; watchers of the outbox must ignore dot files.
enum DurableFiles {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileOperationError(operation: "mkdir", path: path, code: EACCES)
        }
    }

    /// Flushes a file's data (or a folder's entries) to stable storage.
    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileOperationError(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        if Glibc.fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
            throw FileOperationError(operation: "fsync", path: path, code: errno)
        }
    }

    /// fsyncs every file under `path` (a file or folder tree), then the folders themselves.
    static func fsyncTree(_ path: String) throws {
        if isDirectory(path) {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                try fsyncTree(path + "/" + entry)
            }
        }
        try fsync(path: path)
    }

    static func parent(_ path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    /// Moves the file `source` to `destination` without ever replacing an existing file.
    ///
    /// Same filesystem: `link` (fails if the destination exists) then `unlink`. Across
    /// filesystems: copy to a hidden temporary name beside the destination, fsync, link into
    /// place, then remove the source. Either way the destination's folder is fsynced before the
    /// source disappears. An existing destination is taken to be the result of an earlier,
    /// interrupted call (the caller chose a free name and stored it before the first call).
    /// - Returns: false when the source is missing and the destination does not exist either.
    @discardableResult
    static func moveFile(_ source: String, to destination: String, tag: String) throws -> Bool {
        guard exists(source) else { return exists(destination) }
        try makeDirectory(parent(destination))
        if link(source, destination) != 0 {
            switch errno {
            case EEXIST:
                break
            case EXDEV, EPERM, EMLINK, ENOTSUP:
                let temp = parent(destination) + "/.srd-\(tag)-" + (destination as NSString).lastPathComponent + ".tmp"
                unlink(temp)  // never open an old temp: it may be a hard link of the destination
                try copyFile(source, to: temp)
                try fsync(path: temp)
                if link(temp, destination) != 0 && errno != EEXIST {
                    throw FileOperationError(operation: "link", path: destination, code: errno)
                }
                unlink(temp)
            default:
                throw FileOperationError(operation: "link", path: destination, code: errno)
            }
        }
        try fsync(path: parent(destination))
        if unlink(source) != 0 && errno != ENOENT {
            throw FileOperationError(operation: "unlink", path: source, code: errno)
        }
        try fsync(path: parent(source))
        return true
    }

    /// Moves the folder `source` to `destination` (which must not exist yet) atomically:
    /// rename on one filesystem, else copy to a hidden folder beside it, fsync, rename.
    static func moveDirectory(_ source: String, to destination: String, tag: String) throws {
        guard exists(source) else { return }
        try makeDirectory(parent(destination))
        if exists(destination) {
            try removeTree(source)
            return
        }
        try fsyncTree(source)
        if rename(source, destination) != 0 {
            guard errno == EXDEV else { throw FileOperationError(operation: "rename", path: destination, code: errno) }
            let temp = parent(destination) + "/.srd-\(tag)-" + (destination as NSString).lastPathComponent + ".tmp"
            try removeTree(temp)
            try copyTree(source, to: temp)
            try fsyncTree(temp)
            if rename(temp, destination) != 0 {
                throw FileOperationError(operation: "rename", path: destination, code: errno)
            }
            try removeTree(source)
        }
        try fsync(path: parent(destination))
    }

    /// Writes `data` to `path` through a temporary name, fsync and rename, so readers see the
    /// old content or the new, never a part.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let temp = parent(path) + "/." + (path as NSString).lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileOperationError(operation: "open", path: temp, code: errno) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; break }
                offset += n
            }
        }
        let code = errno
        if !ok || Glibc.fsync(fd) != 0 {
            close(fd)
            unlink(temp)
            throw FileOperationError(operation: "write", path: temp, code: ok ? errno : code)
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw FileOperationError(operation: "rename", path: path, code: code)
        }
        try? fsync(path: parent(path))
    }

    /// A name in `folder` that is not taken: `name`, then `stem-<tag>.ext`, `stem-<tag>-2.ext` ...
    static func freeName(in folder: String, for name: String, tag: String, alsoFree suffixes: [String] = []) -> String {
        let ns = name as NSString
        let ext = ns.pathExtension
        let stem = ext.isEmpty ? name : ns.deletingPathExtension
        var candidate = name
        var n = 1
        func taken(_ c: String) -> Bool {
            exists(folder + "/" + c) || suffixes.contains { exists(folder + "/" + c + $0) }
        }
        while taken(candidate) {
            let suffix = n == 1 ? "-\(tag)" : "-\(tag)-\(n)"
            candidate = stem + suffix + (ext.isEmpty ? "" : "." + ext)
            n += 1
        }
        return folder + "/" + candidate
    }

    static func removeTree(_ path: String) throws {
        guard exists(path) else { return }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw FileOperationError(operation: "remove", path: path, code: EIO)
        }
    }

    static func copyFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileOperationError(operation: "open", path: source, code: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileOperationError(operation: "create", path: destination, code: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw FileOperationError(operation: "read", path: source, code: errno) }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 { if errno == EINTR { continue }; throw FileOperationError(operation: "write", path: destination, code: errno) }
                offset += w
            }
        }
    }

    static func copyTree(_ source: String, to destination: String) throws {
        if isDirectory(source) {
            try makeDirectory(destination)
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [] {
                try copyTree(source + "/" + entry, to: destination + "/" + entry)
            }
        } else {
            try copyFile(source, to: destination)
        }
    }

    /// Free bytes for unprivileged users on the filesystem holding `path`.
    static func freeBytes(_ path: String) -> Int64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }
}
