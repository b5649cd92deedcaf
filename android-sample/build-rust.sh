#!/usr/bin/env bash
# Builds libfieldreport_ffi.so for the app's ABIs into app/src/main/jniLibs with cargo-ndk, and
# regenerates the Kotlin bindings. Needs the Android NDK (ANDROID_NDK_HOME) and:
#   cargo install cargo-ndk
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
set -euo pipefail
cd "$(dirname "$0")/.."
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o android-sample/app/src/main/jniLibs \
    build --release -p fieldreport-ffi
scripts/bindings kotlin
