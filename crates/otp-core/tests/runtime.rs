//! Proves where the WebAssembly tests ran: `make test` sets `OTP_TEST_RUNTIME` to `node` or
//! `chromium` when it builds them, so a browser run that silently skipped would fail here.
#![allow(clippy::unwrap_used, clippy::panic)]
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, global};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn property(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &name.into())
        .ok()
        .filter(|value| !value.is_undefined())
}

#[wasm_bindgen_test]
fn runs_in_the_expected_javascript_runtime() {
    let global = global();
    let user_agent = property(&global, "navigator")
        .and_then(|navigator| property(&navigator, "userAgent"))
        .and_then(|agent| agent.as_string())
        .unwrap_or_default();
    let node = property(&global, "process")
        .and_then(|process| property(&process, "versions"))
        .and_then(|versions| property(&versions, "node"));
    match option_env!("OTP_TEST_RUNTIME") {
        Some("chromium") => {
            assert!(
                property(&global, "document").is_some(),
                "no DOM: not in a browser page"
            );
            assert!(user_agent.contains("Chrome"), "user agent {user_agent:?}");
        }
        Some("node") => assert!(node.is_some(), "not in Node.js"),
        Some(other) => panic!("unknown OTP_TEST_RUNTIME {other:?}"),
        None => assert!(node.is_some() || !user_agent.is_empty()),
    }
}
