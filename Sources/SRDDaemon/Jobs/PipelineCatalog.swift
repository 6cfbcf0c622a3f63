import Foundation

/// The pipeline presets the daemon knows: `<name>.yaml` files in the built-in folder and in
/// the configuration's extra folders (earlier folders win on equal names).
public struct PipelineCatalog: Sendable, Equatable {
    /// Preset name -> path of its YAML file.
    public private(set) var presets: [String: String]

    public init(folders: [String]) {
        var presets: [String: String] = [:]
        for folder in folders {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for entry in entries.sorted() where entry.hasSuffix(".yaml") && !entry.hasPrefix(".") {
                let name = String(entry.dropLast(5))
                if presets[name] == nil { presets[name] = folder + "/" + entry }
            }
        }
        self.presets = presets
    }

    public var names: [String] { presets.keys.sorted() }

    /// True when `name` is known, or when no folder had any preset (the worker then decides).
    public func accepts(_ name: String) -> Bool { presets.isEmpty || presets[name] != nil }

    /// The built-in Pipelines folder: beside the executable's install prefix
    /// (`<prefix>/share/srd/Pipelines`) or in the source tree it was built in (an ancestor of
    /// `.build/<triple>/<config>/srd` holding `Pipelines/`).
    public static func builtinFolder(executable: String) -> String? {
        var folder = (executable as NSString).deletingLastPathComponent
        let share = ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share/srd/Pipelines")
        if DurableFiles.isDirectory(share) { return share }
        for _ in 0..<5 {
            let candidate = folder + "/Pipelines"
            if DurableFiles.isDirectory(candidate) { return candidate }
            folder = (folder as NSString).deletingLastPathComponent
            if folder == "/" || folder.isEmpty { break }
        }
        return nil
    }
}
