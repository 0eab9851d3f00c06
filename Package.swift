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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The emulator's server (not in the exporter binary).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Tests only.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C shims: system libraries from Debian's -dev packages.
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CGnuTLS", pkgConfig: "gnutls", providers: [.apt(["libgnutls28-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        // glibc's mallopt and malloc_trim.
        .systemLibrary(name: "CGlibc"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Stamps the build with the git revision (scripts/version-stamp.sh).
        .plugin(name: "VersionStamp", capability: .buildTool()),

        // What several modules share: dedicated threads, deadline races, text
        // bounding, bounded file reads, file stamps, URLs, IP addresses, SHA-256, heap tuning.
        .target(name: "Support", dependencies: ["CGlibc", "CGnuTLS"], swiftSettings: strict),

        // YAML documents with line numbers, on libyaml.
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: strict),

        // Prometheus metric families, the text and OpenMetrics formats, negotiation.
        .target(name: "Exposition", dependencies: ["Support"], swiftSettings: strict),

        // promhttp's job: a scrape to a negotiated, gzipped body, with the render cache.
        .target(name: "PrometheusHTTP", dependencies: ["Exposition", "CZlib", "Support"], swiftSettings: strict),

        // The standard process_* metrics from /proc.
        .target(name: "ProcessMetrics", dependencies: ["Exposition", "Support"], swiftSettings: strict),

        // libmicrohttpd-backed HTTP server: limits against hostile clients, and
        // exporter-toolkit's web config (TLS through GnuTLS, bcrypt basic auth,
        // headers). Knows nothing of AWS or metrics.
        .target(
            name: "HTTPServer",
            dependencies: [
                "CMicroHTTPD", "CCrypt", "CGnuTLS", "Support", "YAML",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // One log line per event in logfmt or JSON, every value escaped (swift-log handler).
        .target(name: "StructuredLogging", dependencies: [.product(name: "Logging", package: "swift-log")], swiftSettings: strict),

        // A small HTTP/1.1 client: pooled keep-alive connections, GnuTLS, worker threads.
        .target(name: "HTTPClient", dependencies: ["CGnuTLS", "Support"], swiftSettings: strict),

        // The AWS core: SigV4, the request sender and its retries, endpoints,
        // settings, the JSON and XML readers, and credentials as botocore's
        // chain finds them, with the STS and IAM Identity Center (SSO) calls
        // the chain itself makes.
        .target(
            name: "AWSCore",
            dependencies: [
                "HTTPClient", "CGnuTLS", "Support",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The service clients, one module each, over the core.
        .target(name: "AWSWorkSpaces", dependencies: ["AWSCore", "Support"], swiftSettings: strict),
        .target(name: "AWSOrganizations", dependencies: ["AWSCore", "Support"], swiftSettings: strict),
        .target(name: "AWSIAM", dependencies: ["AWSCore", "Support"], swiftSettings: strict),

        // Targets (accounts × regions) and their collectors → metric families.
        .target(
            name: "WorkSpacesCollector",
            dependencies: [
                "AWSCore", "AWSWorkSpaces", "AWSIAM", "Exposition", "HTTPClient", "Support", "YAML",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            plugins: ["VersionStamp"]
        ),

        // Targets from AWS Organizations, merged with the static ones and
        // refreshed in the background (a swift-service-lifecycle service).
        .target(
            name: "Discovery",
            dependencies: [
                "AWSCore", "AWSOrganizations", "WorkSpacesCollector", "Exposition", "Support",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // The exporter's HTTP endpoints over the collector: the telemetry path,
        // /probe, /sd, health and readiness, /-/reload, the landing page.
        .target(
            name: "ExporterEndpoints",
            dependencies: ["WorkSpacesCollector", "PrometheusHTTP", "HTTPServer", "Exposition", "Support"],
            swiftSettings: strict
        ),

        // The exporter binary: flags, configuration, services, wiring.
        .executableTarget(
            name: "WorkSpacesExporter",
            dependencies: [
                "WorkSpacesCollector", "Discovery", "ExporterEndpoints", "HTTPServer", "HTTPClient", "AWSCore", "AWSWorkSpaces", "Exposition", "PrometheusHTTP",
                "ProcessMetrics", "Support", "YAML", "StructuredLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // A local WorkSpaces and STS emulator for tests, benchmarks and demos (not in the exporter binary).
        .target(
            name: "WorkSpacesEmulator",
            dependencies: [
                "AWSCore", // JSON writing, SigV4 for checking signatures, account ids
                "AWSWorkSpaces", // the API model's enumerations
                "Support",
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
            dependencies: ["WorkSpacesCollector", "Exposition", "PrometheusHTTP", "WorkSpacesEmulator", "AWSCore", "AWSWorkSpaces"],
            swiftSettings: strict
        ),

        // Fuzz targets for every parser of untrusted input (Tests/Fuzz). Built
        // plainly it replays the checked-in corpora; scripts/fuzz.sh builds it
        // with libFuzzer.
        .executableTarget(
            name: "WorkSpacesFuzz",
            dependencies: [
                "AWSCore", "AWSWorkSpaces", "AWSOrganizations", "AWSIAM", "CGnuTLS", "ExporterEndpoints", "HTTPClient", "HTTPServer", "StructuredLogging", "Support", "WorkSpacesCollector", "YAML",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Fuzz",
            exclude: ["Corpus", "README.md", "make_web_config_seeds.py", "lsan.supp"],
            swiftSettings: strict
        ),

        // Shared helpers for the test targets: child processes, free ports, HTTP fetches.
        .target(
            name: "TestSupport",
            dependencies: ["CZlib", "HTTPServer", "HTTPClient", "Support"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "SupportTests", dependencies: ["Support"], swiftSettings: strict),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: strict),
        .testTarget(name: "StructuredLoggingTests", dependencies: ["StructuredLogging"], swiftSettings: strict),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition"], swiftSettings: strict),
        .testTarget(name: "PrometheusHTTPTests", dependencies: ["PrometheusHTTP", "Exposition", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ProcessMetricsTests", dependencies: ["ProcessMetrics", "Exposition"], swiftSettings: strict),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "Support", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "AWSCoreTests",
            dependencies: ["AWSCore", "HTTPClient", "HTTPServer", "Support", "TestSupport", "WorkSpacesEmulator", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSWorkSpacesTests",
            dependencies: ["AWSCore", "AWSWorkSpaces", "HTTPClient", "HTTPServer", "Support", "TestSupport", "WorkSpacesEmulator"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesCollectorTests",
            dependencies: ["WorkSpacesCollector", "AWSCore", "AWSWorkSpaces", "Exposition"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DiscoveryTests",
            dependencies: ["Discovery", "AWSCore", "AWSOrganizations", "HTTPClient", "WorkSpacesCollector", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesExporterTests",
            dependencies: ["WorkSpacesExporter", "WorkSpacesEmulator", "TestSupport"],
            swiftSettings: strict
        ),
        // The shipped dashboards, alert rules, mixin, example configs, packaging (image,
        // units, manifests), run in a real Prometheus, Alertmanager, podman and systemd tools.
        .testTarget(
            name: "DeploymentTests",
            dependencies: ["TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkSpacesEmulatorTests",
            dependencies: ["WorkSpacesEmulator", "AWSCore", "AWSWorkSpaces", "TestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
