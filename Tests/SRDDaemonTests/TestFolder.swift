import Foundation
import XCTest

/// A fresh temporary folder per test, removed afterwards (kept when the test failed).
final class TestFolder {
    let path: String

    init(_ name: String = #function) throws {
        let base = FileManager.default.temporaryDirectory.path + "/srd-daemon-tests"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        // Short: a Unix socket path inside it must stay under 108 bytes.
        let safe = String(name.filter { $0.isLetter || $0.isNumber }.dropFirst(4).prefix(20))
        path = base + "/" + safe + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let p = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
    }

    func read(_ relative: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + relative))).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + relative) }

    /// Regular files under `relative`, as paths relative to it, sorted.
    func files(under relative: String) -> [String] {
        let root = path + "/" + relative
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let item = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDir), !isDir.boolValue { out.append(item) }
        }
        return out.sorted()
    }
}

/// Polls `condition` until it holds or `timeout` passes; no fixed sleeps in tests.
func waitUntil(timeout: Double, interval: Double = 0.05, _ what: String, file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    if try condition() { return true }
    XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
    return false
}
