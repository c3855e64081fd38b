//! Embeds the committed OpenAPI documents without their indentation: the Worker serves the same
//! document in fewer bytes of wasm (its size has a budget; see scripts/build-worker.sh).

#![allow(clippy::print_stdout)] // a build script speaks to cargo on stdout

use std::{env, fs, path::PathBuf};

fn main() {
    for name in ["openapi.json", "openapi-admin.json"] {
        println!("cargo::rerun-if-changed={name}");
        let text = fs::read_to_string(name).unwrap_or_else(|error| fail(name, &error));
        let document: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|error| fail(name, &error));
        let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join(name);
        fs::write(out, document.to_string()).unwrap_or_else(|error| fail(name, &error));
    }
}

fn fail(name: &str, error: &dyn std::fmt::Display) -> ! {
    println!("cargo::error=worker/{name}: {error}");
    std::process::exit(1)
}
