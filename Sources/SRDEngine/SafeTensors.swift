import Foundation

/// Reads and writes safetensors files: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`,
/// then the raw little-endian tensor bytes (offsets relative to the end of the header).
///
/// F32 is read as is; F64 and F16 are converted to float32 on read. Writing always uses F32.
public enum SafeTensors {
    /// The contents of one file.
    public struct File: Sendable {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]

        public init(tensors: [String: Tensor], metadata: [String: String]) {
            self.tensors = tensors
            self.metadata = metadata
        }
    }

    /// Reads a whole file.
    public static func read(_ url: URL) throws -> File {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw EngineError(.invalidFile, "cannot read \(url.path): \(error.localizedDescription)")
        }
        return try parse(data, source: url.lastPathComponent)
    }

    /// Parses safetensors bytes; `source` names the file in errors.
    public static func parse(_ data: Data, source: String = "safetensors data") throws -> File {
        func bad(_ why: String) -> EngineError { EngineError(.invalidFile, "\(source): \(why)") }
        guard data.count >= 8 else { throw bad("shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { raw -> UInt64 in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return v
        }
        guard headerLength <= UInt64(data.count - 8) else { throw bad("header length \(headerLength) exceeds the file size") }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd))
        } catch {
            throw bad("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw bad("header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let dict = meta as? [String: Any] else { throw bad("__metadata__ is not an object") }
            for (k, v) in dict {
                guard let s = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                metadata[k] = s
            }
        }

        let body = data.count - headerEnd
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let info = entry as? [String: Any],
                  let dtype = info["dtype"] as? String,
                  let shape = intArray(info["shape"]),
                  let offsets = intArray(info["data_offsets"]), offsets.count == 2 else {
                throw bad("tensor '\(name)' has a malformed header entry")
            }
            let count = shape.reduce(1, *)
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            case "F16": width = 2
            default: throw EngineError(.unsupportedDType, "\(source): tensor '\(name)' has dtype \(dtype); only F32, F64, F16 are supported")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= body else { throw bad("tensor '\(name)' data offsets \(offsets) are outside the data (\(body) bytes)") }
            guard end - begin == count * width else {
                throw bad("tensor '\(name)' has \(end - begin) bytes for shape \(shape) of \(dtype)")
            }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress! + headerEnd + begin
                values.withUnsafeMutableBufferPointer { out in
                    switch width {
                    case 4:
                        memcpy(out.baseAddress!, base, count * 4)
                        for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
                    case 8:
                        for i in 0..<count {
                            var bits: UInt64 = 0
                            memcpy(&bits, base + i * 8, 8)
                            out[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                        }
                    default:
                        for i in 0..<count {
                            var bits: UInt16 = 0
                            memcpy(&bits, base + i * 2, 2)
                            out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
                        }
                    }
                }
            }
            tensors[name] = Tensor(shape: shape, data: values)
        }
        return File(tensors: tensors, metadata: metadata)
    }

    /// Serialises tensors (as F32, sorted by name) and metadata into safetensors bytes.
    public static func serialize(tensors: [String: Tensor], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]] as [String: Any]
            offset += t.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            let t = tensors[name]!
            let le = t.data.map { $0.bitPattern.littleEndian }
            le.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes tensors and metadata to `url` (atomically).
    public static func write(tensors: [String: Tensor], metadata: [String: String], to url: URL) throws {
        let data = try serialize(tensors: tensors, metadata: metadata)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw EngineError(.invalidFile, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private static func intArray(_ v: Any?) -> [Int]? {
        guard let arr = v as? [Any] else { return nil }
        var out: [Int] = []
        for e in arr {
            if let i = e as? Int { out.append(i) } else if let n = e as? NSNumber { out.append(n.intValue) } else { return nil }
        }
        return out
    }
}
