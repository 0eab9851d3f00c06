// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "workspaces-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "workspaces_exporter", targets: ["WorkSpacesExporter"]),
        .executable(name: "workspaces_emulator", targets: ["WorkSpacesEmulatorMain"]),
        .executable(name: "workspaces_render_bench", targets: ["WorkSpacesBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C shims: system libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libxcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // Prometheus text exposition format: metric families and their rendering.
        .target(name: "Exposition", swiftSettings: strict),

        // libmicrohttpd-backed HTTP server: gzip, limits, and exporter-toolkit's
        // web config (TLS through GnuTLS, bcrypt basic auth, headers). Knows nothing of AWS.
        .target(
            name: "HTTPServer",
            dependencies: [
                "CMicroHTTPD", "CZlib", "CCrypt",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),

        // AWS client: SigV4, credentials, the JSON 1.1 protocol, DescribeWorkspaceImages.
        .target(
            name: "AWSWorkSpaces",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // Maps WorkSpaces images to metric families, one fresh set per scrape.
        .target(
            name: "WorkSpacesCollector",
            dependencies: [
                "AWSWorkSpaces", "Exposition",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // The exporter binary: flags, logging, wiring.
        .executableTarget(
            name: "WorkSpacesExporter",
            dependencies: [
                "WorkSpacesCollector", "HTTPServer", "AWSWorkSpaces", "Exposition",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),

        // A local WorkSpaces API emulator for tests, benchmarks and demos (not in the exporter binary).
        .target(
            name: "WorkSpacesEmulator",
            dependencies: [
                "AWSWorkSpaces", // only for the API model's enumerations
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WorkSpacesEmulatorMain",
            dependencies: [
                "WorkSpacesEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // In-process benchmark of mapping, rendering and gzip (see bench/).
        .executableTarget(
            name: "WorkSpacesBenchmarks",
            dependencies: ["WorkSpacesCollector", "Exposition", "HTTPServer", "WorkSpacesEmulator", "AWSWorkSpaces"],
            swiftSettings: strict
        ),

        // Shared helpers for the test targets: child processes, free ports, HTTP fetches.
        .target(
            name: "TestSupport",
            dependencies: [
                "CZlib", "HTTPServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition"], swiftSettings: strict),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSWorkSpacesTests",
            dependencies: ["AWSWorkSpaces", "HTTPServer", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesCollectorTests",
            dependencies: ["WorkSpacesCollector", "AWSWorkSpaces", "Exposition"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesExporterTests",
            dependencies: ["WorkSpacesExporter", "WorkSpacesEmulator", "TestSupport"],
            swiftSettings: strict
        ),
        // The shipped dashboards, alert rules and example configs, linted and run in a real Prometheus and Alertmanager.
        .testTarget(
            name: "DeploymentTests",
            dependencies: ["TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesEmulatorTests",
            dependencies: ["WorkSpacesEmulator", "TestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
