// swift-tools-version:6.0
import PackageDescription

// Layers, dependencies one way:
//   CFFmpeg, COpenBLAS (system libraries, found by pkg-config)
//   SRDImaging   planar float images, resampling kernels, colour conversion (no dependencies)
//   SRDEngine    tensors, layers, models, training      -> SRDImaging, COpenBLAS  (never libav)
//   SRDMedia     decode, convert, encode, stream copy   -> SRDImaging, CFFmpeg    (never the engine)
//   SRDQuality   metrics, evaluation protocol, flow     -> SRDImaging
//   SRDPipeline  upscale jobs: media + engine + quality
//   SRDDaemon    watch folder, job store, status API    -> SRDPipeline
//   srd          the one executable
let package = Package(
    name: "srd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "srd", targets: ["srd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "SRDImaging"),
        .target(name: "SRDEngine", dependencies: ["SRDImaging", "COpenBLAS"]),
        .target(name: "SRDMedia", dependencies: ["SRDImaging", "CFFmpeg"]),
        .target(name: "SRDQuality", dependencies: ["SRDImaging"]),
        .target(
            name: "SRDPipeline",
            dependencies: ["SRDImaging", "SRDEngine", "SRDMedia", "SRDQuality", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "SRDDaemon", dependencies: ["SRDPipeline"]),
        .target(name: "SRDTesting", dependencies: ["SRDImaging", "SRDMedia"]),
        .executableTarget(
            name: "srd",
            dependencies: [
                "SRDPipeline", "SRDDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SRDImagingTests", dependencies: ["SRDImaging", "SRDTesting"]),
        .testTarget(name: "SRDEngineTests", dependencies: ["SRDEngine", "SRDTesting"]),
        .testTarget(name: "SRDMediaTests", dependencies: ["SRDMedia", "SRDTesting"]),
        .testTarget(name: "SRDQualityTests", dependencies: ["SRDQuality", "SRDTesting"]),
        .testTarget(name: "SRDPipelineTests", dependencies: ["SRDPipeline", "SRDTesting"]),
        .testTarget(name: "SRDDaemonTests", dependencies: ["SRDDaemon", "SRDTesting"]),
    ],
    swiftLanguageModes: [.v5]
)
