#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Which files a request may hand the daemon (`POST /v1/jobs`), decided on the real path.
///
/// A socket client is not trusted with the daemon's own files or other people's: the path is
/// resolved (symlinks, `..`) first, and must then be a regular file in the inbox (moved in, as a
/// dropped file is) or under one of the configured `submit_roots` (copied: the daemon never
/// moves or deletes a file outside its inbox). The daemon's folders and files (outbox, failed,
/// done, work, database, socket, status file) are refused wherever they are.
struct SubmissionPolicy {
    enum Decision: Equatable {
        /// In the inbox: the claim moves it, as for a dropped file.
        case move(String)
        /// Under a submit root: the claim copies it and leaves the original alone.
        case copy(String)
    }

    let inbox: String
    let roots: [String]
    let owned: [String]

    init(_ config: DaemonConfiguration) {
        inbox = Self.resolved(config.inbox)
        roots = config.submitRoots.map(Self.resolved)
        owned = config.ownedPaths.map(Self.resolved)
    }

    func check(_ path: String) throws -> Decision {
        guard path.hasPrefix("/") else { throw JobRequestError(kind: .invalid, description: "path must be absolute: \(path)") }
        guard let real = Self.realPath(path) else {
            throw JobRequestError(kind: .invalid, description: "no such file: \(path)")
        }
        if let own = owned.first(where: { Self.isInside(real, $0) }) {
            throw JobRequestError(kind: .forbidden, description: "\(path) belongs to the daemon (\(own)); submit an input file")
        }
        var st = stat()
        guard lstat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw JobRequestError(kind: .invalid, description: "not a regular file: \(path)")
        }
        if Self.isInside(real, inbox) { return .move(real) }
        if roots.contains(where: { Self.isInside(real, $0) }) { return .copy(real) }
        let allowed = ([inbox] + roots).joined(separator: ", ")
        throw JobRequestError(kind: .forbidden, description: "\(path) is outside the folders that may be submitted (\(allowed); see submit_roots)")
    }

    /// True when `path` is `folder` or lies below it (both already resolved).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// A path with symlinks resolved as far as it exists (a database not created yet still
    /// resolves through its folder).
    static func resolved(_ path: String) -> String {
        if let r = realPath(path) { return r }
        let parent = (path as NSString).deletingLastPathComponent
        guard parent != path, !parent.isEmpty else { return path }
        return (resolved(parent) as NSString).appendingPathComponent((path as NSString).lastPathComponent)
    }
}
