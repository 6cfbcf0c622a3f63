import Foundation

/// A fresh directory under the system temp folder, removed by `remove()` or when released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    /// Creates `<tmp>/<prefix>-<uuid>`.
    public init(prefix: String = "srd-test") throws {
        let base = NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
