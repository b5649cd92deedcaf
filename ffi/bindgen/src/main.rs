//! The workspace's `uniffi-bindgen`: generates Kotlin, Swift and Python bindings from the built
//! `fieldreport_ffi` library with exactly the library's uniffi version. See scripts/bindings.

fn main() {
    uniffi::uniffi_bindgen_main()
}
