// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "early-ucode",
    products: [
        .executable(name: "early-ucode", targets: ["early-ucode"]),
        .library(name: "EarlyUcode", targets: ["EarlyUcode"]),
    ],
    targets: [
        // libarchive and libcrypto are loaded with dlopen when first needed
        // (these C targets hold the loaders), not at start-up: see their
        // headers. They build against the -dev packages' headers.
        .target(name: "CLibArchive"),
        // OpenSSL's libcrypto, for SHA-256 (Support/SHA256.swift).
        .target(name: "CLibCrypto"),
        .target(
            name: "EarlyUcode",
            dependencies: ["CLibArchive", "CLibCrypto"]
        ),
        // The commands, as a library: the executable is a thin main, and the
        // tests run every command in-process against a CommandContext.
        .target(
            name: "EarlyUcodeCLI",
            dependencies: ["EarlyUcode"]
        ),
        .executableTarget(
            name: "early-ucode",
            dependencies: ["EarlyUcodeCLI"]
        ),
        .testTarget(
            name: "EarlyUcodeTests",
            dependencies: ["EarlyUcode", "EarlyUcodeCLI"],
            // Inputs the tests read from disk, not sources or resources; the
            // golden files are read and (scripts/regenerate-golden) written
            // in place, so they are not resources either.
            exclude: ["Corpus", "Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
