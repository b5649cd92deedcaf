// swift-tools-version:5.9
// The generated bindings as a Swift package over the XCFramework made by ../build-xcframework.sh.
import PackageDescription

let package = Package(
    name: "FieldReportKit",
    platforms: [.iOS(.v16)],
    products: [.library(name: "FieldReport", targets: ["FieldReport"])],
    targets: [
        .binaryTarget(name: "FieldReportFFIBinary", path: "FieldReportFFI.xcframework"),
        .target(name: "FieldReportFFI", dependencies: ["FieldReportFFIBinary"], path: "Sources/FieldReportFFI"),
        .target(name: "FieldReport", dependencies: ["FieldReportFFI"], path: "Sources/FieldReport"),
    ]
)
