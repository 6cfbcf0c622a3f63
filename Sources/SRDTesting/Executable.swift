import Foundation

/// The `srd` executable built beside the running test bundle (`swift build` builds it first).
public func srdExecutable() throws -> String {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("srd").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw TestingError("srd executable not found near \(exe.path); run `swift build` first")
}

/// The result of running a child process to completion.
public struct ChildResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Peak resident memory of the child in KiB (getrusage ru_maxrss).
    public var maxRSSKiB: Int
}

/// Runs a program with arguments, waits for it, and reports its output and peak memory.
/// Uses posix_spawn and wait4 so the peak memory is this child's alone.
public func runChild(_ path: String, _ arguments: [String]) throws -> ChildResult {
    let dir = try TemporaryDirectory(prefix: "srd-child")
    let outPath = dir.file("stdout"), errPath = dir.file("stderr")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    guard rc == 0 else { throw TestingError("cannot start \(path): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let exited = (status & 0x7f) == 0
    return ChildResult(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                       maxRSSKiB: usage.ru_maxrss)
}
