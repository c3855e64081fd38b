//! Verification: window edges, extreme times, malformed codes.
#![allow(clippy::unwrap_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_core::{Algorithm, Digits, Secret, Totp, VerifyError, Window};

fn totp(period: u64) -> Totp {
    let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
    Totp::new(&secret, Algorithm::Sha1, Digits::Six, period).unwrap()
}

#[test]
fn accepts_each_step_of_the_window_and_returns_it() {
    let totp = totp(30);
    let now = 1_700_000_000;
    let current = totp.step(now);
    let window = Window {
        behind: 2,
        ahead: 1,
    };
    for step in current - 2..=current + 1 {
        let code = totp.generate_at_step(step);
        assert_eq!(totp.verify(code.as_str(), now, window), Ok(step));
    }
}

#[test]
fn refuses_steps_just_outside_the_window() {
    let totp = totp(30);
    let now = 1_700_000_000;
    let current = totp.step(now);
    let window = Window {
        behind: 2,
        ahead: 1,
    };
    for step in [current - 3, current + 2] {
        let code = totp.generate_at_step(step);
        assert_eq!(
            totp.verify(code.as_str(), now, window),
            Err(VerifyError::Mismatch)
        );
    }
}

#[test]
fn window_boundaries_follow_the_period() {
    let totp = totp(30);
    let code = totp.generate(60); // step 2, valid from 60 to 89 inclusive
    assert_eq!(
        totp.verify(code.as_str(), 59, Window::default()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(totp.verify(code.as_str(), 60, Window::default()), Ok(2));
    assert_eq!(totp.verify(code.as_str(), 89, Window::default()), Ok(2));
    assert_eq!(
        totp.verify(code.as_str(), 90, Window::default()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        totp.verify(
            code.as_str(),
            119,
            Window {
                behind: 1,
                ahead: 0
            }
        ),
        Ok(2)
    );
}

#[test]
fn zero_window_accepts_only_the_current_step() {
    let totp = totp(30);
    let code = totp.generate(1_000);
    assert_eq!(totp.verify(code.as_str(), 1_000, Window::default()), Ok(33));
}

#[test]
fn the_window_does_not_underflow_at_the_epoch() {
    let totp = totp(30);
    let code = totp.generate(0);
    assert_eq!(totp.verify(code.as_str(), 0, Window::symmetric(255)), Ok(0));
    assert_eq!(totp.verify(code.as_str(), 29, Window::symmetric(10)), Ok(0));
}

#[test]
fn the_window_does_not_overflow_at_the_end_of_time() {
    let totp = totp(1);
    let code = totp.generate(u64::MAX);
    assert_eq!(
        totp.verify(code.as_str(), u64::MAX, Window::symmetric(255)),
        Ok(u64::MAX)
    );
    let earlier = totp.generate(u64::MAX - 3);
    assert_eq!(
        totp.verify(earlier.as_str(), u64::MAX, Window::symmetric(3)),
        Ok(u64::MAX - 3)
    );
}

#[test]
fn a_period_of_one_second_works_and_zero_is_refused() {
    let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
    assert!(Totp::new(&secret, Algorithm::Sha1, Digits::Six, 0).is_err());
    let totp = totp(1);
    assert_eq!(totp.step(12_345), 12_345);
    assert_eq!(totp.seconds_remaining(12_345), 1);
}

#[test]
fn seconds_remaining_counts_down_within_a_step() {
    let totp = totp(30);
    assert_eq!(totp.seconds_remaining(60), 30);
    assert_eq!(totp.seconds_remaining(61), 29);
    assert_eq!(totp.seconds_remaining(89), 1);
}

#[test]
fn malformed_codes_are_refused_before_any_comparison() {
    let totp = totp(30);
    let valid = totp.generate(1_000);
    let valid = valid.as_str();
    let too_long = format!("{valid}0");
    let with_space = format!(" {}", &valid[1..]);
    let signed = format!("+{}", &valid[1..]);
    let unicode_digit = format!("{}\u{0663}", &valid[..4]); // ARABIC-INDIC DIGIT THREE, 2 bytes
    for code in [
        "",
        "12345",
        &too_long,
        "12a456",
        &with_space,
        &signed,
        &unicode_digit,
        "１２３４５６",
    ] {
        assert_eq!(
            totp.verify(code, 1_000, Window::symmetric(1)),
            Err(VerifyError::Malformed),
            "{code:?}"
        );
    }
}

#[test]
fn eight_digit_factors_refuse_six_digit_codes() {
    let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
    let totp = Totp::new(&secret, Algorithm::Sha256, Digits::Eight, 30).unwrap();
    let code = totp.generate(1_000);
    assert_eq!(
        totp.verify(&code.as_str()[2..], 1_000, Window::default()),
        Err(VerifyError::Malformed)
    );
    assert_eq!(totp.verify(code.as_str(), 1_000, Window::default()), Ok(33));
}

#[test]
fn a_wrong_code_is_a_mismatch() {
    let totp = totp(30);
    let code = totp.generate(1_000);
    let wrong = format!(
        "{:06}",
        (code.as_str().parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        totp.verify(&wrong, 1_000, Window::default()),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn debug_output_never_shows_secrets_or_codes() {
    let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
    let totp = Totp::new(&secret, Algorithm::Sha1, Digits::Six, 30).unwrap();
    let code = totp.generate(59);
    for debug in [
        format!("{secret:?}"),
        format!("{totp:?}"),
        format!("{code:?}"),
    ] {
        assert!(
            !debug.contains("GEZDGNBV") && !debug.contains("1234567890"),
            "{debug}"
        );
        assert!(!debug.contains(code.as_str()), "{debug}");
    }
}
