// swift-tools-version: 6.0
// libFuzzer targets for early-ucode's parsers, kept out of the main package
// so its `swift build` never needs sanitizers. Build and run with
// scripts/fuzz; that script passes the instrumentation flags for every
// module (the library too, or the fuzzer would be blind inside it).
//
// Every folder Sources/fuzz-NAME is a target: adding a fuzzer is adding
// one main.swift (and, optionally, seeds in Corpus/fuzz-NAME/).
import Foundation
import PackageDescription

let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Sources")
let fuzzers = ((try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? [])
    .filter { $0.hasPrefix("fuzz-") }
    .sorted()

let package = Package(
    name: "early-ucode-fuzz",
    dependencies: [
        .package(name: "early-ucode", path: ".."),
    ],
    targets: [
        // Declares LLVMFuzzerRunDriver: SwiftPM links executables with
        // `--defsym main=<module>_main`, which clashes with libFuzzer's own
        // main, so each fuzzer has a main.swift that starts the driver.
        .systemLibrary(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer"]
        ),
    ] + fuzzers.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport",
                .product(name: "EarlyUcode", package: "early-ucode"),
            ]
        )
    },
    swiftLanguageModes: [.v6]
)
