import Foundation
import Yams

/// A named pipeline: which model, at which scale, with which encoder settings.
///
/// Presets are YAML files in `Pipelines/` (`Pipelines/fast-x2.yaml`), so an operator can add one
/// without rebuilding, and the daemon can route `inbox/<preset>/` to it. Every key but `model` is
/// optional; command-line flags override what a preset says.
///
/// ```yaml
/// model: bicubic          # classical name, a model in Pipelines/models, or a path
/// scale: 2
/// workers: 2              # default: measured best for this machine
/// tile: 512               # input pixels per tile side for networks (default TiledExecutor.defaultTileSize)
/// backend: auto           # onednn, openblas or auto (oneDNN where it can run)
/// precision: auto         # f32, bf16, int8, or auto (the mode recorded in the weight file)
/// temporal: 0             # temporal smoothing strength, 0 = off
/// region: auto            # network only on detailed tiles (default: whole frames)
/// region_threshold: 1.0   # detail a tile needs for the network (mean |Y - 3x3 mean|, 8-bit levels)
/// region_feather: 16      # output pixels of the seam's blend
/// region_scaler: lanczos  # classical scaler outside the regions
/// encode: {codec: libx264, crf: 18, preset: medium, pix_fmt: yuv420p}
/// ```
public struct PipelinePreset: Codable, Sendable, Equatable {
    public struct Encode: Codable, Sendable, Equatable {
        public var codec: String?
        public var crf: Int?
        public var preset: String?
        public var pixFmt: String?
        public var options: [String: String]?

        enum CodingKeys: String, CodingKey {
            case codec, crf, preset, options
            case pixFmt = "pix_fmt"
        }

        public init(codec: String? = nil, crf: Int? = nil, preset: String? = nil, pixFmt: String? = nil, options: [String: String]? = nil) {
            self.codec = codec; self.crf = crf; self.preset = preset; self.pixFmt = pixFmt; self.options = options
        }
    }

    /// The preset's name (its file stem), filled in by the loader.
    public var name: String?
    public var description: String?
    public var model: String
    public var scale: Int?
    public var workers: Int?
    public var tile: Int?
    public var temporal: Double?
    public var encode: Encode?
    /// Convolution backend (`onednn`, `openblas`, `auto`) and precision (`f32`, `bf16`).
    public var backend: String?
    public var precision: String?
    /// `auto` runs the network only on tiles with detail (see `RegionSettings`).
    public var region: String?
    public var regionThreshold: Double?
    public var regionFeather: Int?
    public var regionScaler: String?
    /// The folder the preset came from, for resolving relative model paths.
    public var directory: String?

    enum CodingKeys: String, CodingKey {
        case name, description, model, scale, workers, tile, temporal, encode, backend, precision, directory, region
        case regionThreshold = "region_threshold", regionFeather = "region_feather", regionScaler = "region_scaler"
    }

    public init(name: String? = nil, model: String, scale: Int? = nil, workers: Int? = nil, tile: Int? = nil,
                temporal: Double? = nil, encode: Encode? = nil) {
        self.name = name; self.model = model; self.scale = scale; self.workers = workers
        self.tile = tile; self.temporal = temporal; self.encode = encode
    }

    /// Parses a preset from YAML text.
    public static func parse(_ yaml: String, name: String? = nil, directory: String? = nil) throws -> PipelinePreset {
        do {
            var preset = try YAMLDecoder().decode(PipelinePreset.self, from: yaml)
            if preset.name == nil { preset.name = name }
            preset.directory = directory
            return preset
        } catch {
            throw PipelineError.badPreset(name ?? "preset", "\(error)")
        }
    }
}

/// Finds presets by name in a list of folders (first match wins). The one preset lookup: the
/// CLI and the daemon (which adds its configuration's `pipeline_folders`) both use it.
public struct PresetCatalog: Sendable, Equatable {
    public var folders: [String]

    public init(folders: [String]) { self.folders = folders }

    /// The default search path: `$SRD_PIPELINES` (colon-separated), then the built-in folder
    /// (`builtinFolder`), then `/usr/share/srd/Pipelines`.
    public static func standard() -> PresetCatalog {
        var folders: [String] = []
        if let env = ProcessInfo.processInfo.environment["SRD_PIPELINES"] {
            folders += env.split(separator: ":").map(String.init)
        }
        if let builtin = builtinFolder() { folders.append(builtin) }
        folders.append("/usr/share/srd/Pipelines")
        return PresetCatalog(folders: folders)
    }

    /// The running executable's real path (`/proc/self/exe`; argv[0] with symlinks resolved
    /// where /proc is not mounted). The daemon also starts its workers from it.
    public static var executablePath: String {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return exe }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().path
    }

    /// The presets that ship with `executable`: `<prefix>/share/srd/Pipelines` for an installed
    /// binary (Packaging/install.sh puts it in `<prefix>/bin`), else `Pipelines/` in the source
    /// tree it was built in (an ancestor of `.build/<triple>/<config>/srd`).
    public static func builtinFolder(executable: String = executablePath) -> String? {
        let bin = URL(fileURLWithPath: executable).deletingLastPathComponent()
        let installed = bin.deletingLastPathComponent().appendingPathComponent("share/srd/Pipelines").path
        if isDirectory(installed) { return installed }
        var dir = bin
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("Pipelines").path
            if isDirectory(candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
            if dir.path == "/" { break }
        }
        return nil
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Preset name -> path of its YAML file (earlier folders win on equal names).
    public var presets: [String: String] {
        var presets: [String: String] = [:]
        for folder in folders {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for entry in entries.sorted() where entry.hasSuffix(".yaml") && !entry.hasPrefix(".") {
                let name = String(entry.dropLast(5))
                if presets[name] == nil { presets[name] = (folder as NSString).appendingPathComponent(entry) }
            }
        }
        return presets
    }

    /// True when `name` is a known preset, or when no folder has any (the worker then decides).
    public func accepts(_ name: String) -> Bool {
        let known = presets
        return known.isEmpty || known[name] != nil
    }

    /// Every preset name available, sorted.
    public func names() -> [String] { presets.keys.sorted() }

    /// Loads a preset by name, or from a path to a YAML file.
    public func load(_ nameOrPath: String) throws -> PipelinePreset {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.contains("/") {
            return try Self.loadFile(nameOrPath)
        }
        for folder in folders {
            let path = (folder as NSString).appendingPathComponent(nameOrPath + ".yaml")
            if FileManager.default.fileExists(atPath: path) { return try Self.loadFile(path) }
        }
        throw PipelineError.unknownPreset(nameOrPath, available: names())
    }

    /// Resolves a model reference from a preset: shipped models live in `<folder>/models/<name>.safetensors`.
    public func modelPath(for model: String, relativeTo directory: String?) -> String? {
        if model.hasSuffix(".safetensors") {
            if model.hasPrefix("/") { return model }
            if let directory { return (directory as NSString).appendingPathComponent(model) }
            return model
        }
        for folder in [directory].compactMap({ $0 }) + folders {
            let path = (folder as NSString).appendingPathComponent("models/\(model).safetensors")
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    static func loadFile(_ path: String) throws -> PipelinePreset {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PipelineError.badPreset(path, "cannot read the file")
        }
        let url = URL(fileURLWithPath: path)
        return try PipelinePreset.parse(text, name: url.deletingPathExtension().lastPathComponent,
                                        directory: url.deletingLastPathComponent().path)
    }
}
