/// Why an upscale job could not run, as one line for the user.
///
/// A struct around a code (the house style, as `EngineError` and `MediaError`), so that kinds
/// can be added without breaking callers; compare `code` to the static members to branch.
public struct PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        public static let badPreset = Code("badPreset")
        public static let unknownPreset = Code("unknownPreset")
        public static let unknownModel = Code("unknownModel")
        public static let unsupportedScale = Code("unsupportedScale")
        public static let outputNotWritable = Code("outputNotWritable")
        public static let inputMissing = Code("inputMissing")
        public static let inputEmpty = Code("inputEmpty")
        public static let referenceMismatch = Code("referenceMismatch")
        public static let cancelled = Code("cancelled")
        public static let limitExceeded = Code("limitExceeded")
        public static let invalidArgument = Code("invalidArgument")
        public static let damagedInput = Code("damagedInput")
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// True when the cause may pass (a folder made writable, a job no longer cancelled), so the
    /// daemon retries; every other kind is bad input or a bad request.
    public var isTransient: Bool { code == .outputNotWritable || code == .cancelled }

    public static func badPreset(_ name: String, _ why: String) -> PipelineError {
        PipelineError(.badPreset, "pipeline preset \(name) is invalid: \(why)")
    }
    public static func unknownPreset(_ name: String, available: [String]) -> PipelineError {
        PipelineError(.unknownPreset, "no pipeline preset named '\(name)' (available: \(available.joined(separator: ", ")))")
    }
    public static func unknownModel(_ name: String) -> PipelineError {
        PipelineError(.unknownModel, "no model named '\(name)'")
    }
    public static func unsupportedScale(_ scale: Int, model: String, supported: String) -> PipelineError {
        PipelineError(.unsupportedScale, "scale x\(scale) is not supported by \(model) (supported: \(supported))")
    }
    public static func outputNotWritable(_ path: String, _ why: String) -> PipelineError {
        PipelineError(.outputNotWritable, "cannot write output \(path): \(why)")
    }
    public static func inputMissing(_ path: String) -> PipelineError {
        PipelineError(.inputMissing, "input \(path) does not exist")
    }
    public static func inputEmpty(_ path: String) -> PipelineError {
        PipelineError(.inputEmpty, "input \(path) is empty")
    }
    public static func referenceMismatch(_ why: String) -> PipelineError {
        PipelineError(.referenceMismatch, "reference video does not match: \(why)")
    }
    public static let cancelled = PipelineError(.cancelled, "cancelled")
    /// A request that cannot be run as given (a bad option value, no training images left).
    public static func invalidArgument(_ why: String) -> PipelineError {
        PipelineError(.invalidArgument, why)
    }
    /// The input is truncated or damaged beyond tolerance (`InputShortfall` says how much).
    public static func damagedInput(_ why: String) -> PipelineError {
        PipelineError(.damagedInput, "\(why) (--accept-damaged keeps what could be decoded)")
    }
    public static func limitExceeded(_ why: String) -> PipelineError {
        PipelineError(.limitExceeded, "input exceeds a limit: \(why)")
    }
}
