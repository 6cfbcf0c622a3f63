import CDNNL
import SRDKernelsDNNL

/// Which library runs a network's convolutions.
///
/// `openblas` is the portable backend and the reference every other one is tested against
/// (NCHW, shifted-tap sgemm, Layers/Conv2D*.swift). `onednn` compiles a `Program` into a
/// `OneDNNPlan` per tile shape: oneDNN's JIT convolutions on NHWC activations kept from the first
/// layer to the last, with activations and residual adds fused into the convolutions.
public enum ComputeBackend: String, CaseIterable, Sendable {
    case openblas
    case onednn

    /// The faster backend on this machine: oneDNN when it can generate and run a kernel in this
    /// process (it cannot where writable-executable memory is forbidden), else OpenBLAS.
    public static var preferred: ComputeBackend { OneDNN.available ? .onednn : .openblas }

    /// Parses a user's choice; `auto` (or nil) is `preferred`.
    public static func named(_ name: String?) throws -> ComputeBackend {
        guard let name, name != "auto" else { return preferred }
        guard let b = ComputeBackend(rawValue: name) else {
            throw EngineError(.invalidInput, "unknown backend '\(name)' (onednn, openblas, auto)")
        }
        if b == .onednn, let why = OneDNN.unavailableReason {
            throw EngineError(.invalidInput, "the oneDNN backend cannot run here: \(why)")
        }
        return b
    }
}

/// Arithmetic of a network's convolutions.
public enum ComputePrecision: String, CaseIterable, Sendable {
    /// float32 throughout (the reference).
    case f32
    /// bfloat16 sources and weights with float32 accumulation, on CPUs with AVX512_BF16;
    /// elsewhere the plan computes in f32.
    case bf16
    /// int8 convolutions (VNNI) where the model's weight file has an `Int8Calibration`, with
    /// per-channel weight scales; other layers, and models without one, in f32.
    case int8
}

/// Facts about the oneDNN library this process runs.
public enum OneDNN {
    /// oneDNN's version, e.g. "2.6.3".
    public static var version: String {
        let v = dnnl_version().pointee
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    /// The instruction set oneDNN dispatches to (e.g. "avx2", "avx512_core_bf16").
    public static var isa: String {
        switch dnnl_cpu_isa_t(UInt32(srd_dnnl_cpu_isa())) {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "isa \(srd_dnnl_cpu_isa())"
        }
    }

    /// True when this CPU has bf16 arithmetic that oneDNN uses.
    public static var hasBF16: Bool { isa.hasPrefix("avx512_core_bf16") || isa.hasPrefix("avx512_core_amx") }

    /// True when this CPU has the int8 dot-product instructions (AVX512_VNNI or newer).
    public static var hasVNNI: Bool { isa.hasPrefix("avx512_core_vnni") || hasBF16 }

    /// Why oneDNN cannot run here (its self-test kernel failed), or nil when it can. Checked once.
    public static let unavailableReason: String? = {
        var message = [CChar](repeating: 0, count: 512)
        if srd_dnnl_self_test(&message, Int32(message.count)) == 1 { return nil }
        return String(cString: message)
    }()

    public static var available: Bool { unavailableReason == nil }
}
