//! Verification of one code, window of one step each side, SHA-1, 6 digits: otp-core against
//! the totp-rs crate, and against the floor of three HMAC-SHA-1 computations on a precomputed
//! key. `make bench` runs it and puts the figures into BENCHMARKS.md.
#![allow(missing_docs, clippy::unwrap_used)]

// criterion and totp-rs are native-only dev-dependencies.
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::Criterion;
    use hmac::{Hmac, KeyInit, Mac};
    use otp_core::{Algorithm, Digits, Secret, Totp, Window};
    use sha1::Sha1;

    const KEY: [u8; 20] = *b"12345678901234567890";
    const NOW: u64 = 1_800_000_015;

    fn codes(totp: &Totp) -> (String, String) {
        let valid = totp.generate(NOW).as_str().to_owned();
        let wrong = format!("{:06}", (valid.parse::<u32>().unwrap() + 1) % 1_000_000);
        (valid, wrong)
    }

    fn verify(c: &mut Criterion) {
        let ours = Totp::new(
            &Secret::from_bytes(&KEY).unwrap(),
            Algorithm::Sha1,
            Digits::Six,
            30,
        )
        .unwrap();
        let theirs = totp_rs::Builder::new()
            .with_secret(KEY)
            .with_skew(1)
            .build()
            .unwrap();
        let (valid, wrong) = codes(&ours);
        assert_eq!(
            ours.verify(&valid, NOW, Window::symmetric(1)).ok(),
            theirs.check(&valid, NOW)
        );
        assert!(
            ours.verify(&wrong, NOW, Window::symmetric(1)).is_err()
                && theirs.check(&wrong, NOW).is_none()
        );

        let mut group = c.benchmark_group("verify");
        group.bench_function("otp-core/wrong", |b| {
            b.iter(|| ours.verify(black_box(&wrong), black_box(NOW), Window::symmetric(1)))
        });
        group.bench_function("totp-rs/wrong", |b| {
            b.iter(|| theirs.check(black_box(&wrong), black_box(NOW)))
        });
        group.bench_function("otp-core/valid", |b| {
            b.iter(|| ours.verify(black_box(&valid), black_box(NOW), Window::symmetric(1)))
        });
        group.bench_function("totp-rs/valid", |b| {
            b.iter(|| theirs.check(black_box(&valid), black_box(NOW)))
        });

        // The floor: three HMAC-SHA-1 of an 8-byte counter, the key absorbed once beforehand.
        let keyed = <Hmac<Sha1> as KeyInit>::new_from_slice(&KEY).unwrap();
        group.bench_function("floor/3xHMAC-SHA1", |b| {
            b.iter(|| {
                let step = black_box(NOW) / 30;
                [step - 1, step, step + 1].map(|counter| {
                    let mut mac = keyed.clone();
                    mac.update(&counter.to_be_bytes());
                    mac.finalize().into_bytes()
                })
            })
        });
        group.finish();
    }

    pub fn benches() {
        let mut criterion = Criterion::default().configure_from_args();
        verify(&mut criterion);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
