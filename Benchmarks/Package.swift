// swift-tools-version:6.0
// Benchmarks for Shipdeck: a separate package so `swift build` of the app never compiles them.
// Build and run:  swift build -c release --package-path Benchmarks && Benchmarks/.build/release/shipdeck-bench
import PackageDescription

let package = Package(
    name: "ShipdeckBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Shipdeck", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "shipdeck-bench",
            dependencies: [
                .product(name: "ShipdeckApp", package: "Shipdeck"),
                .product(name: "TerminalUI", package: "Shipdeck"),
                .product(name: "ShipdeckCore", package: "Shipdeck"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
