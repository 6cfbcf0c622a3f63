import Foundation

/// The configuration in force, replaced as a whole on SIGHUP; services read it each loop.
public final class LiveConfiguration: @unchecked Sendable {
    private let lock = NSLock()
    private var value: DaemonConfiguration

    public init(_ value: DaemonConfiguration) { self.value = value }

    public var current: DaemonConfiguration {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func replace(_ new: DaemonConfiguration) {
        lock.lock()
        value = new
        lock.unlock()
    }
}
