/// Why an upscale job could not run. Each case reads as one line for the user.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case badPreset(String, String)
    case unknownPreset(String, available: [String])
    case unknownModel(String)
    case unsupportedScale(Int, model: String, supported: String)
    case outputNotWritable(String, String)
    case inputMissing(String)
    case inputEmpty(String)
    case referenceMismatch(String)
    case cancelled
    case limitExceeded(String)

    public var description: String {
        switch self {
        case let .badPreset(name, why): return "pipeline preset \(name) is invalid: \(why)"
        case let .unknownPreset(name, available):
            return "no pipeline preset named '\(name)' (available: \(available.joined(separator: ", ")))"
        case let .unknownModel(name): return "no model named '\(name)'"
        case let .unsupportedScale(scale, model, supported):
            return "scale x\(scale) is not supported by \(model) (supported: \(supported))"
        case let .outputNotWritable(path, why): return "cannot write output \(path): \(why)"
        case let .inputMissing(path): return "input \(path) does not exist"
        case let .inputEmpty(path): return "input \(path) is empty"
        case let .referenceMismatch(why): return "reference video does not match: \(why)"
        case .cancelled: return "cancelled"
        case let .limitExceeded(why): return "input exceeds a limit: \(why)"
        }
    }
}
