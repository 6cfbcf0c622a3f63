import Foundation

extension NetworkModel {
    /// What the network itself sees for an RGB low-resolution image: the RGB planes, the Y plane,
    /// or for `bicubic_upscaled` models the bicubic-upscaled Y plane. (`NetworkRunner.upscale`
    /// does the same inline: it keeps the chroma of the same conversion.)
    public func networkInput(_ rgb: PlanarImage) -> PlanarImage {
        switch description.color {
        case .rgb: return rgb
        case .y(let formula):
            let y = rgb.ycbcr(formula).plane(0)
            guard description.input == .bicubicUpscaled else { return y }
            return y.resized(width: rgb.width * scale, height: rgb.height * scale, scale: Double(scale), kernel: .bicubic)
        }
    }

    /// Measures the int8 activation ranges on low-resolution RGB images (training images,
    /// degraded as in training), by the f32 reference program.
    public func calibrateInt8(on images: [PlanarImage]) -> Int8Calibration {
        Int8Calibration.measure(program: program, inputs: images.map(networkInput))
    }

    /// This model with `metadata` added to its weight file's metadata (for `write(to:)`).
    public func withMetadata(_ metadata: [String: String]) -> NetworkModel {
        var d = description
        d.extraMetadata.merge(metadata) { _, new in new }
        return NetworkModel(description: d, program: program, parameters: parameters, defaultTileSize: defaultTileSize)
    }
}
