import CFFmpeg
import Foundation

/// An error from the media layer: one line saying which file, which step, and what libav said.
///
/// A struct around a private code (not a public enum) so new kinds can be added without breaking
/// callers; match on `kind` when the reaction differs (e.g. "no video stream" is a user error).
public struct MediaError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, for callers that react differently per kind.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Code: String, Hashable, Sendable {
            case openFailed, noVideoStream, codecUnavailable, decodeFailed, readFailed
            case encodeFailed, writeFailed, unsupported, invalidArgument
        }
        fileprivate let code: Code
        /// The input could not be opened or probed (missing, empty, not a media file).
        public static let openFailed = Kind(code: .openFailed)
        /// The input has no video stream.
        public static let noVideoStream = Kind(code: .noVideoStream)
        /// No decoder or encoder exists for the codec (or it refused to open).
        public static let codecUnavailable = Kind(code: .codecUnavailable)
        /// The decoder failed in a way that is not per-packet corruption.
        public static let decodeFailed = Kind(code: .decodeFailed)
        /// Demuxing stopped with an error before end of file (truncated or damaged input).
        public static let readFailed = Kind(code: .readFailed)
        /// The encoder or the pixel conversion before it failed.
        public static let encodeFailed = Kind(code: .encodeFailed)
        /// The output could not be created, muxed or finalised.
        public static let writeFailed = Kind(code: .writeFailed)
        /// The request cannot be satisfied with this libav build or container.
        public static let unsupported = Kind(code: .unsupported)
        /// The caller passed something inconsistent (wrong image size, unknown option).
        public static let invalidArgument = Kind(code: .invalidArgument)
        public var description: String { code.rawValue }
    }

    /// What went wrong.
    public let kind: Kind
    /// The whole one-line message, e.g. "cannot open a.mp4: No such file or directory".
    public let message: String
    /// The libav return code behind it, when there was one.
    public let libavCode: Int32?

    init(_ kind: Kind, _ message: String, libavCode: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.libavCode = libavCode
    }

    /// `context: <av_strerror text>`.
    init(_ kind: Kind, _ context: String, code: Int32) {
        self.init(kind, "\(context): \(libavErrorString(code))", libavCode: code)
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}

/// The text libav gives for a negative return code.
func libavErrorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    if av_strerror(code, &buffer, buffer.count) < 0 {
        return "libav error \(code)"
    }
    return String(cString: buffer)
}

/// Throws a `MediaError` for a negative libav return code; returns the code otherwise.
@discardableResult
func check(_ code: Int32, _ kind: MediaError.Kind, _ context: @autoclosure () -> String) throws -> Int32 {
    if code < 0 { throw MediaError(kind, context(), code: code) }
    return code
}

let averrorEAGAIN = srd_averror_eagain()
let averrorEOF = srd_averror_eof()
let avNoPTS = srd_av_nopts_value()
