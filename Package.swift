// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "early-ucode",
    products: [
        .executable(name: "early-ucode", targets: ["early-ucode"]),
        .library(name: "EarlyUcode", targets: ["EarlyUcode"]),
    ],
    targets: [
        // libarchive-dev's headers and library. The release binary links it
        // (and the compression libraries its filters use) statically:
        // scripts/lib.sh's release_build says why.
        .systemLibrary(name: "CLibArchive"),
        // What glibc declares only under _GNU_SOURCE (copy_file_range).
        .systemLibrary(name: "CLinux"),
        // SHA-256's rounds with the x86 SHA extensions (Support/SHA256.swift).
        .target(name: "CSHA256"),
        .target(
            name: "EarlyUcode",
            dependencies: ["CLibArchive", "CLinux", "CSHA256"]
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
