#if canImport(Glibc)
import Glibc

/// A non-blocking inotify instance watching folders for finished files.
///
/// Read it with `drain()` from a polling loop: no thread is parked on it, and the periodic
/// rescan covers anything lost (queue overflow, folders created between two drains).
final class Inotify {
    struct Event {
        /// Folder the event happened in, and the entry's name (empty for the folder itself).
        var folder: String
        var name: String
        var mask: UInt32
        var path: String { name.isEmpty ? folder : folder + "/" + name }
        var isDirectory: Bool { mask & Inotify.isDir != 0 }
    }

    // Constants from <sys/inotify.h> (macros Swift does not import everywhere).
    static let modify: UInt32 = 0x0000_0002
    static let closeWrite: UInt32 = 0x0000_0008
    static let movedFrom: UInt32 = 0x0000_0040
    static let movedTo: UInt32 = 0x0000_0080
    static let create: UInt32 = 0x0000_0100
    static let delete: UInt32 = 0x0000_0200
    static let deleteSelf: UInt32 = 0x0000_0400
    static let moveSelf: UInt32 = 0x0000_0800
    static let overflow: UInt32 = 0x0000_4000
    static let ignored: UInt32 = 0x0000_8000
    static let onlyDir: UInt32 = 0x0100_0000
    static let isDir: UInt32 = 0x4000_0000

    private let fd: Int32
    private var folders: [Int32: String] = [:]

    init() throws {
        fd = inotify_init1(Int32(O_NONBLOCK | O_CLOEXEC))
        guard fd >= 0 else { throw FileOperationError(operation: "inotify_init1", path: "-", code: errno) }
    }

    deinit { close(fd) }

    /// Folders watched now.
    var watched: Set<String> { Set(folders.values) }

    /// Watches `folder` for created, modified, closed and moved entries.
    func watch(_ folder: String) throws {
        guard !folders.values.contains(folder) else { return }
        let mask = Self.modify | Self.closeWrite | Self.movedFrom | Self.movedTo | Self.create | Self.delete
            | Self.deleteSelf | Self.moveSelf | Self.onlyDir
        let wd = inotify_add_watch(fd, folder, mask)
        guard wd >= 0 else { throw FileOperationError(operation: "inotify_add_watch", path: folder, code: errno) }
        folders[wd] = folder
    }

    /// Reads every queued event without blocking.
    func drain() -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var offset = 0
            while offset + 16 <= n {
                let wd = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                offset += 16 + length
                if mask & Self.ignored != 0 {
                    folders[wd] = nil
                    continue
                }
                let folder = folders[wd] ?? ""
                events.append(Event(folder: folder, name: name, mask: mask))
            }
        }
        return events
    }
}
#endif
