// swift-tools-version:6.0
import PackageDescription

// Layers, dependencies one way:
//   CFFmpeg, COpenBLAS (system libraries, found by pkg-config), CDNNL (oneDNN, module map)
//   SRDKernelsDNNL  the oneDNN convolution kernels in C         -> CDNNL
//   SRDImaging   planar float images, resampling kernels, colour conversion (no dependencies)
//   SRDEngine    tensors, layers, models, training      -> SRDImaging, COpenBLAS, oneDNN  (never libav)
//   SRDMedia     decode, convert, encode, stream copy   -> SRDImaging, CFFmpeg    (never the engine)
//   SRDQuality   metrics, evaluation protocol, flow     -> SRDImaging
//   SRDPipeline  upscale jobs: media + engine + quality
//   SRDDaemon    watch folder, job stores (SQLite, PostgreSQL), status API and dashboard
//                                                      -> SRDPipeline (presets, the worker contract), SRDMedia (segment plans)
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
        // Daemon only: job store, status API, service lifecycle, logging, metrics.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The fleet's shared job store (PostgresJobStore; docs/DAEMON.md#the-job-store-and-the-fleet-in-progress).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        // oneDNN ships no .pc file: the module map links "dnnl" (Sources/CDNNL/module.modulemap).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // The oneDNN convolution kernels as a few plain C calls (NHWC, fused post-ops).
        .target(name: "SRDKernelsDNNL", dependencies: ["CDNNL"], linkerSettings: [.linkedLibrary("dnnl")]),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "SRDImaging"),
        .target(name: "SRDEngine", dependencies: ["SRDImaging", "COpenBLAS", "CDNNL", "SRDKernelsDNNL"]),
        .target(name: "SRDMedia", dependencies: ["SRDImaging", "CFFmpeg"]),
        .target(name: "SRDQuality", dependencies: ["SRDImaging"]),
        .target(
            name: "SRDPipeline",
            dependencies: ["SRDImaging", "SRDEngine", "SRDMedia", "SRDQuality", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SRDDaemon",
            dependencies: [
                "SRDPipeline", "SRDMedia",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .target(name: "SRDTesting", dependencies: ["SRDImaging", "SRDMedia", "CFFmpeg"]),
        .executableTarget(
            name: "srd",
            dependencies: [
                "SRDEngine", "SRDMedia", "SRDQuality", "SRDPipeline", "SRDDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SRDImagingTests", dependencies: ["SRDImaging", "SRDMedia"]),
        .testTarget(name: "SRDEngineTests", dependencies: ["SRDEngine"]),
        .testTarget(name: "SRDMediaTests", dependencies: ["SRDMedia", "SRDImaging", "SRDTesting", "CFFmpeg"]),
        .testTarget(name: "SRDQualityTests", dependencies: ["SRDQuality", "SRDMedia"]),
        .testTarget(name: "SRDPipelineTests", dependencies: ["SRDPipeline", "SRDEngine", "SRDImaging", "SRDMedia", "SRDQuality", "SRDTesting"]),
        .testTarget(name: "SRDDaemonTests", dependencies: ["SRDDaemon", "SRDPipeline", "SRDMedia", "SRDTesting", .product(name: "Logging", package: "swift-log")], exclude: ["__Snapshots__"]),
    ],
    swiftLanguageModes: [.v5]
)
