import Foundation
import SRDEngine

/// Turns what a user types after `--model` into a loaded model, the same way for every command:
/// a classical scaler (`bicubic`), a model we ship (`fast-x2`, found as
/// `Pipelines/models/fast-x2.safetensors`), a `.safetensors` path, or `random:<config>` (bench).
public enum ModelResolver {
    public static func load(_ name: String, scale: Int?, catalog: PresetCatalog = .standard()) throws -> SuperResolutionModel {
        let reference = catalog.modelPath(for: name, relativeTo: nil) ?? name
        let isFile = reference.hasSuffix(".safetensors")
        if isFile && !FileManager.default.fileExists(atPath: reference) {
            throw PipelineError.unknownModel("\(name) (no such file)")
        }
        if !isFile && !reference.hasPrefix("random:")
            && ClassicalScaler.names[reference.lowercased()] == nil {
            let shipped = shippedModels(catalog: catalog)
            throw PipelineError.unknownModel("\(name) (models: \(ClassicalScaler.primaryNames.joined(separator: ", "))"
                + (shipped.isEmpty ? "" : ", " + shipped.joined(separator: ", ")) + ", or a .safetensors file)")
        }
        let model = try ModelLoader.load(reference, scale: scale)
        if let scale, model.scale != scale {
            throw PipelineError.unsupportedScale(scale, model: model.name, supported: "x\(model.scale)")
        }
        return model
    }

    /// Names of the models in every `Pipelines/models` folder.
    public static func shippedModels(catalog: PresetCatalog = .standard()) -> [String] {
        var names = Set<String>()
        for folder in catalog.folders {
            let dir = (folder as NSString).appendingPathComponent("models")
            for item in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where item.hasSuffix(".safetensors") {
                names.insert(String(item.dropLast(".safetensors".count)))
            }
        }
        return names.sorted()
    }
}
