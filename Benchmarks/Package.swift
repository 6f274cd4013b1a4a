// swift-tools-version:6.0
// Benchmarks for Shipdeck: a separate package so `swift build` of the app never compiles them.
// Build and run:  swift build -c release --package-path Benchmarks && Benchmarks/.build/release/shipdeck-bench
import PackageDescription

let package = Package(
    name: "ShipdeckBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Shipdeck", path: ".."),
        // The fan-out benchmark reads the event stream with its own HTTP clients (same version range as the app).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        .executableTarget(
            name: "shipdeck-bench",
            dependencies: [
                .product(name: "ShipdeckApp", package: "Shipdeck"),
                .product(name: "TerminalUI", package: "Shipdeck"),
                .product(name: "ShipdeckCore", package: "Shipdeck"),
                .product(name: "ShipdeckAPI", package: "Shipdeck"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
