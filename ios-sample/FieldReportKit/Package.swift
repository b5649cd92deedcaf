// swift-tools-version:5.9
// The bindings as a Swift package over the XCFramework made by ../build-xcframework.sh. What
// scripts/bindings generates sits in the `generated` folders (never edited by hand); the rest of
// Sources/FieldReport is written by hand.
import PackageDescription

let package = Package(
    name: "FieldReportKit",
    platforms: [.iOS(.v16)],
    products: [.library(name: "FieldReport", targets: ["FieldReport"])],
    targets: [
        .binaryTarget(name: "FieldReportFFIBinary", path: "FieldReportFFI.xcframework"),
        .target(
            name: "FieldReportFFI", dependencies: ["FieldReportFFIBinary"], path: "Sources/FieldReportFFI",
            publicHeadersPath: "generated"),
        .target(name: "FieldReport", dependencies: ["FieldReportFFI"], path: "Sources/FieldReport"),
    ]
)
