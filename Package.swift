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
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C shims: one per C library, nothing but headers and link lines.
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "CNIfTI",
            cSettings: [.define("HAVE_ZLIB")],
            linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z"), .linkedLibrary("deflate")]
        ),

        // Volumes, NIfTI I/O, filtering, statistics: knows nothing of PET or CT.
        .target(name: "IQCore", dependencies: ["CFFTW", "CGSL", "CNIfTI", "CCrypto", "CMalloc", .product(name: "Yams", package: "Yams")]),

        // PET: NEMA IEC phantom analysis against EARL bands, harmonizing post-filter.
        .target(name: "PETQuality", dependencies: ["IQCore"]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // Sparse 3D CNN: coordinate-map convolutions on active voxels, training, model files.
        .target(name: "SparseCNN", dependencies: ["IQCore", "CBLAS"]),

        // EARL compliance of patient scans: preprocessing, two-stage classifier, cross-validation.
        // Never imports Simulation: analysis must not see the truth.
        .target(name: "EARLClassifier", dependencies: ["IQCore", "SparseCNN"]),

        // Digital phantoms and acquisition models with known ground truth.
        // Analysis modules never import it: analysis must not see the truth.
        .target(name: "Simulation", dependencies: ["IQCore", "PETQuality"]),

        // Labelled training and test corpora for the EARL classifier: simulated
        // patients reconstructed at settings labelled by their digital IEC
        // phantom against the EARL bands. Joins simulation and analysis, so
        // only the CLI and tests import it.
        .target(name: "EARLCorpus", dependencies: ["IQCore", "Simulation", "PETQuality", "EARLClassifier"]),

        // HTML / JSON / TSV / JUnit reports of analysis results; computes no metrics.
        .target(
            name: "Reporting",
            dependencies: [
                "IQCore", "PETQuality", "EARLClassifier", "EARLCorpus", "VesselPhantom", "CZlib", .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),

        // CT lung-vessel phantom analysis: vesselness, graph cut, per-radius
        // metrics, series manifests. Never imports Simulation.
        .target(name: "VesselPhantom", dependencies: ["IQCore", .product(name: "Yams", package: "Yams")]),

        // The thin command-line front end.
        .executableTarget(
            name: "iqkit",
            dependencies: [
                "IQCore", "PETQuality", "SparseCNN", "EARLClassifier", "EARLCorpus", "VesselPhantom", "Simulation", "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // libFuzzer harnesses (`make fuzz`); a plain build is a corpus replayer.
        .executableTarget(name: "iqkit-fuzz", dependencies: ["IQCore", "PETQuality", "VesselPhantom", "EARLClassifier", "EARLCorpus", "Reporting"]),

        // Test helpers: an independent NIfTI writer for crafted and malformed files.
        .target(name: "IQTestSupport", dependencies: ["CNIfTI"]),

        .testTarget(
            name: "IQCoreTests",
            dependencies: ["IQCore", "IQTestSupport", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(
            name: "PETQualityTests",
            dependencies: ["PETQuality", "Simulation", "IQCore", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "IQCore", "VesselPhantom", "CZlib"], exclude: ["Golden"]),
        .testTarget(name: "SparseCNNTests", dependencies: ["SparseCNN", "IQCore"]),
        .testTarget(name: "EARLClassifierTests", dependencies: ["EARLClassifier", "EARLCorpus", "SparseCNN", "IQCore", "Simulation", "PETQuality"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "IQCore"]),
        .testTarget(name: "VesselPhantomTests", dependencies: ["VesselPhantom", "IQCore", "Simulation"]),
        .testTarget(name: "iqkitEndToEndTests", dependencies: ["iqkit", "IQCore", "IQTestSupport", "SparseCNN", "EARLClassifier", "EARLCorpus"]),
    ]
)
