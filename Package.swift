// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Shipdeck",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "shipdeck", targets: ["shipdeck"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
        .library(name: "ShipdeckCore", targets: ["ShipdeckCore"]),
        .library(name: "ShipdeckApp", targets: ["ShipdeckApp"]),
        .library(name: "ShipdeckAPI", targets: ["ShipdeckAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses", providers: [.apt(["libncurses-dev"])]),
        .target(name: "TerminalUI", dependencies: ["CNCurses"]),
        .target(name: "ShipdeckCore", dependencies: [
            .product(name: "Yams", package: "Yams"),
            .product(name: "GRDB", package: "GRDB.swift"),
            // Fleet: the service endpoints' reverse proxy; Health: the HTTP checks (HTTPCheckClient).
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            // Alerts: webhook deliveries.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .target(name: "ShipdeckAPI", dependencies: [
            "ShipdeckCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "ShipdeckApp", dependencies: ["TerminalUI", "ShipdeckCore"]),
        .executableTarget(name: "shipdeck", dependencies: [
            "ShipdeckApp", "ShipdeckCore", "TerminalUI", "ShipdeckAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI"]),
        .testTarget(name: "ShipdeckCoreTests", dependencies: ["ShipdeckCore", .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .testTarget(name: "ShipdeckAPITests", dependencies: ["ShipdeckAPI", "ShipdeckCore", .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .testTarget(name: "ShipdeckAppTests", dependencies: ["ShipdeckApp", "TerminalUI", "ShipdeckCore"]),
        .testTarget(name: "EndToEndTests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
