#!/usr/bin/env bash
# Builds FieldReportKit/FieldReportFFI.xcframework (device + simulator static libraries) and
# regenerates the Swift bindings. Run on a Mac with Xcode and:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
set -euo pipefail
cd "$(dirname "$0")/.."
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build --release -p fieldreport-ffi --target "$t"
done
mkdir -p target/ios-sim
lipo -create target/aarch64-apple-ios-sim/release/libfieldreport_ffi.a \
    target/x86_64-apple-ios/release/libfieldreport_ffi.a -output target/ios-sim/libfieldreport_ffi.a
scripts/bindings swift
rm -rf ios-sample/FieldReportKit/FieldReportFFI.xcframework
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/release/libfieldreport_ffi.a \
    -library target/ios-sim/libfieldreport_ffi.a \
    -output ios-sample/FieldReportKit/FieldReportFFI.xcframework
