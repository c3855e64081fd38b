//! Embeds the committed OpenAPI document without its indentation: the Worker serves the same
//! document in fewer bytes of wasm (its size has a budget; see scripts/build-worker.sh).

#![allow(clippy::print_stdout)] // a build script speaks to cargo on stdout

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=openapi.json");
    let text = fs::read_to_string("openapi.json").unwrap_or_else(|error| fail(&error));
    let document: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|error| fail(&error));
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("openapi.json");
    fs::write(out, document.to_string()).unwrap_or_else(|error| fail(&error));
}

fn fail(error: &dyn std::fmt::Display) -> ! {
    println!("cargo::error=worker/openapi.json: {error}");
    std::process::exit(1)
}
