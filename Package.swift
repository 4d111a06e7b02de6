// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "iqkit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "iqkit", targets: ["iqkit"]),
        .library(name: "IQCore", targets: ["IQCore"]),
        .library(name: "SparseCNN", targets: ["SparseCNN"]),
        .library(name: "EARLClassifier", targets: ["EARLClassifier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // C shims: one per C library, nothing but headers and link lines.
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev", "libopenblas-dev"])]),
        .target(
            name: "CNIfTI",
            cSettings: [.define("HAVE_ZLIB")],
            linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z")]
        ),

        // Volumes, NIfTI I/O, filtering, statistics: knows nothing of PET or CT.
        .target(name: "IQCore", dependencies: ["CFFTW", "CGSL", "CNIfTI"]),

        // Sparse 3D CNN: coordinate-map convolutions on active voxels, training, model files.
        .target(name: "SparseCNN", dependencies: ["IQCore", "CBLAS"]),

        // EARL compliance of patient scans: preprocessing, two-stage classifier, cross-validation.
        // Never imports Simulation: analysis must not see the truth.
        .target(name: "EARLClassifier", dependencies: ["IQCore", "SparseCNN"]),

        // Digital phantoms and acquisition models with known ground truth.
        // Analysis modules never import it: analysis must not see the truth.
        .target(name: "Simulation", dependencies: ["IQCore"]),

        // The thin command-line front end.
        .executableTarget(
            name: "iqkit",
            dependencies: [
                "IQCore", "Simulation", "SparseCNN", "EARLClassifier",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "IQCoreTests",
            dependencies: ["IQCore", "CNIfTI", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "SparseCNNTests", dependencies: ["SparseCNN", "IQCore"]),
        .testTarget(name: "EARLClassifierTests", dependencies: ["EARLClassifier", "SparseCNN", "IQCore", "Simulation"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "IQCore"]),
        .testTarget(name: "iqkitEndToEndTests", dependencies: ["iqkit", "IQCore", "SparseCNN", "EARLClassifier"]),
    ]
)
