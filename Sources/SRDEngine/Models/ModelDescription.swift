import Foundation

/// The colour a network consumes and produces.
public enum ColorMode: Sendable, Equatable, CustomStringConvertible {
    /// R, G, B in 0...1.
    case rgb
    /// One luma plane (Y/255) computed with the given formula; chroma is upscaled by bicubic.
    case y(YFormula)

    public var channels: Int { self == .rgb ? 3 : 1 }
    public var description: String {
        switch self {
        case .rgb: return "rgb"
        case .y(let f): return "y (\(f.rawValue))"
        }
    }
}

/// What the network's input is.
public enum InputKind: String, Sendable {
    /// The low-resolution image; the network upscales.
    case lr
    /// The low-resolution image already upscaled by MATLAB bicubic to the output size (SRCNN).
    case bicubicUpscaled = "bicubic_upscaled"
}

/// One hyper-parameter value from the `hyperparameters` JSON object.
public enum HyperValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }

    /// Parses `"3"`, `"0.1"`, `"true"`, or anything else as a string (for `random:` overrides).
    public init(parsing text: String) {
        if let d = Double(text) { self = .number(d) } else if text == "true" || text == "false" { self = .bool(text == "true") } else { self = .string(text) }
    }

    var jsonObject: Any {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? Int(d) as Any : d as Any
        case .string(let s): return s
        case .bool(let b): return b
        }
    }
}

/// Everything a weight file's `__metadata__` says about the model: one file fully describes it.
///
/// Keys (all strings): `arch`, `scale`, `color` (`rgb` | `y`), `y_formula` (`bt601` | `jpeg`,
/// Y models only), `input` (`lr` | `bicubic_upscaled`), `hyperparameters` (a JSON object whose
/// keys each architecture documents). See docs/WEIGHTS-FORMAT.md.
public struct ModelDescription: Sendable {
    public var name: String
    public var arch: String
    public var scale: Int
    public var color: ColorMode
    public var input: InputKind
    public var hyperparameters: [String: HyperValue]
    /// Metadata keys we do not interpret (provenance, licence), kept for round trips.
    public var extraMetadata: [String: String] = [:]

    public init(name: String, arch: String, scale: Int, color: ColorMode, input: InputKind = .lr,
                hyperparameters: [String: HyperValue] = [:]) {
        self.name = name
        self.arch = arch
        self.scale = scale
        self.color = color
        self.input = input
        self.hyperparameters = hyperparameters
    }

    /// Reads the description from a file's metadata.
    public init(metadata: [String: String], name: String) throws {
        func bad(_ why: String) -> EngineError { EngineError(.invalidMetadata, "\(name): \(why)") }
        guard let arch = metadata["arch"], !arch.isEmpty else { throw bad("__metadata__ has no 'arch'") }
        guard let s = metadata["scale"], let scale = Int(s), scale >= 1 else {
            throw bad("__metadata__ 'scale' is missing or not a positive integer (\(metadata["scale"] ?? "absent"))")
        }
        let colorName = metadata["color"] ?? "rgb"
        let color: ColorMode
        switch colorName.lowercased() {
        case "rgb": color = .rgb
        case "y":
            let f = metadata["y_formula"] ?? "bt601"
            guard let formula = YFormula(rawValue: f) else { throw bad("unknown y_formula '\(f)' (bt601 or jpeg)") }
            color = .y(formula)
        default: throw bad("unknown color '\(colorName)' (rgb or y)")
        }
        let inputName = metadata["input"] ?? "lr"
        guard let input = InputKind(rawValue: inputName) else { throw bad("unknown input '\(inputName)' (lr or bicubic_upscaled)") }
        var hp: [String: HyperValue] = [:]
        if let text = metadata["hyperparameters"], !text.isEmpty {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw bad("'hyperparameters' is not a JSON object: \(text)")
            }
            for (k, v) in obj {
                // JSON booleans arrive as Bool (Linux) or __NSCFBoolean (Darwin); numbers 0/1 must stay numbers.
                if "\(type(of: v))".contains("Bool"), let b = v as? Bool {
                    hp[k] = .bool(b)
                } else if let n = v as? NSNumber {
                    hp[k] = .number(n.doubleValue)
                } else if let str = v as? String {
                    hp[k] = .string(str)
                } else {
                    throw bad("hyperparameter '\(k)' is neither a number, a string nor a boolean")
                }
            }
        }
        self.init(name: name, arch: arch, scale: scale, color: color, input: input, hyperparameters: hp)
        let known: Set = ["arch", "scale", "color", "y_formula", "input", "hyperparameters"]
        extraMetadata = metadata.filter { !known.contains($0.key) }
    }

    /// The metadata to write for this description.
    public var metadata: [String: String] {
        var m = extraMetadata
        m["arch"] = arch
        m["scale"] = String(scale)
        m["input"] = input.rawValue
        switch color {
        case .rgb: m["color"] = "rgb"
        case .y(let f):
            m["color"] = "y"
            m["y_formula"] = f.rawValue
        }
        let obj = hyperparameters.mapValues(\.jsonObject)
        if let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) {
            m["hyperparameters"] = String(decoding: data, as: UTF8.self)
        }
        return m
    }

    // Typed access with defaults; a present value of the wrong type is an error naming the key.

    public func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let v = hyperparameters[key] else { return fallback }
        guard case .number(let d) = v, d == d.rounded() else { throw typeError(key, "an integer", v) }
        return Int(d)
    }

    public func double(_ key: String, _ fallback: Double) throws -> Double {
        guard let v = hyperparameters[key] else { return fallback }
        guard case .number(let d) = v else { throw typeError(key, "a number", v) }
        return d
    }

    public func string(_ key: String, _ fallback: String) throws -> String {
        guard let v = hyperparameters[key] else { return fallback }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        return s
    }

    public func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let v = hyperparameters[key] else { return fallback }
        switch v {
        case .bool(let b): return b
        case .number(let d): return d != 0
        default: throw typeError(key, "a boolean", v)
        }
    }

    public func paddingMode(_ fallback: PaddingMode) throws -> PaddingMode {
        let s = try string("padding_mode", fallback.rawValue)
        guard let m = PaddingMode(metadata: s) else {
            throw EngineError(.invalidMetadata, "\(name): hyperparameter 'padding_mode' is '\(s)' (zero or replicate)")
        }
        return m
    }

    func invalid(_ why: String) -> EngineError { EngineError(.invalidMetadata, "\(name) (\(arch)): \(why)") }

    private func typeError(_ key: String, _ want: String, _ v: HyperValue) -> EngineError {
        EngineError(.invalidMetadata, "\(name): hyperparameter '\(key)' should be \(want), is \(v)")
    }
}
