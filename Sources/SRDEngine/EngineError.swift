/// An error from loading or running a model, with a message that names what went wrong.
///
/// A struct around a code (not a public enum) so that new cases can be added without breaking
/// callers that switch over them; compare `code` to the static members to branch.
public struct EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        /// The file is not a valid safetensors file.
        public static let invalidFile = Code("invalidFile")
        /// A tensor's dtype is not supported (only F32, F64 and F16 are).
        public static let unsupportedDType = Code("unsupportedDType")
        /// A tensor the architecture needs is not in the file.
        public static let missingTensor = Code("missingTensor")
        /// The file holds a tensor the architecture does not use.
        public static let unexpectedTensor = Code("unexpectedTensor")
        /// A tensor's shape differs from the one the architecture expects.
        public static let shapeMismatch = Code("shapeMismatch")
        /// `__metadata__` is missing a key or holds a value that cannot be used.
        public static let invalidMetadata = Code("invalidMetadata")
        /// The metadata names an architecture the engine does not implement.
        public static let unknownArchitecture = Code("unknownArchitecture")
        /// The caller asked for a scale the model does not have.
        public static let scaleMismatch = Code("scaleMismatch")
        /// The model name is neither a classical scaler, a file, nor a `random:` configuration.
        public static let unknownModel = Code("unknownModel")
        /// An input image cannot be processed (wrong channel count, empty).
        public static let invalidInput = Code("invalidInput")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func shapeMismatch(key: String, expected: [[Int]], found: [Int]) -> EngineError {
        let exp = expected.map { "\($0)" }.joined(separator: " or ")
        return EngineError(.shapeMismatch, "tensor '\(key)': expected shape \(exp), file has \(found)")
    }
}
