import Foundation
import XCTest

/// Compares text with a file in __Snapshots__/ beside this file. A missing snapshot (or
/// SRD_RECORD_SNAPSHOTS=1) writes it and fails, so a new snapshot is always looked at once.
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let folder = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let url = folder.appendingPathComponent(name)
    let record = ProcessInfo.processInfo.environment["SRD_RECORD_SNAPSHOTS"] == "1"
    if !record, let expected = try? String(contentsOf: url, encoding: .utf8) {
        if expected != text {
            XCTFail("snapshot \(name) differs:\n--- expected\n\(expected)\n--- actual\n\(text)", file: file, line: line)
        }
        return
    }
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try? text.write(to: url, atomically: true, encoding: .utf8)
    XCTFail("recorded snapshot \(name); check it and run again", file: file, line: line)
}

/// Replaces what changes from run to run: the temp folder, times, pids, free-space figures.
func normalized(_ text: String, root: String) -> String {
    var s = text.replacingOccurrences(of: root, with: "$ROOT")
    let rules: [(String, String)] = [
        (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "$TIME"),
        (#""(pid|worker_pid)" : \d+"#, "\"$1\" : 0"),
        (#"\d+ MiB free, \d+ MiB required"#, "N MiB free, M MiB required"),
        (#"pid \d+"#, "pid 0"),
        (#"up \d+[hms][0-9ms]*"#, "up 0s"),
    ]
    for (pattern, template) in rules {
        let re = try! NSRegularExpression(pattern: pattern)
        s = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
    }
    return s
}
