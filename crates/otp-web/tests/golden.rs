//! The SVG of a fixed URI and style is pinned in `tests/golden/`, natively and in WebAssembly.
//! After an intended change, regenerate it natively with `UPDATE_GOLDEN=1 cargo test -p otp-web`
//! (which fails once, having written the file), review the diff, and run again without it.
#![allow(clippy::unwrap_used)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_web::{QrStyle, render_svg};

const URI: &str = "otpauth://totp/Communitiz%20App:emilie%40communitiz-app.co?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Communitiz%20App";
const GOLDEN: &str = include_str!("golden/enrollment.svg");

fn style() -> QrStyle {
    QrStyle {
        module_size: 5,
        dark: "#1a1a2e".into(),
        title: "Scan with your authenticator".into(),
        ..QrStyle::default()
    }
}

#[test]
fn enrollment_qr_matches_the_golden_svg() {
    let svg = render_svg(URI, &style()).unwrap();
    // Regenerating writes the file and still fails, so an UPDATE_GOLDEN left in the environment
    // can never turn this check into a pass: the next run, without it, compares.
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_GOLDEN").is_some() && svg != GOLDEN {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/enrollment.svg"),
            &svg,
        )
        .unwrap();
        panic!(
            "tests/golden/enrollment.svg rewritten; review it and run again without UPDATE_GOLDEN"
        );
    }
    assert_eq!(svg, GOLDEN);
}
