//! The test binary's allocator, capped on demand: a test that must hold bounded memory runs
//! alone in a child process (see [`alone`]) under a cap, and fails if it ever needs more.

use std::alloc::System;

use cap::Cap;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// The variable that marks the child process of [`alone`].
const CHILD: &str = "TOTP_TEST_ALONE";

/// Runs the ignored test `name` alone in a child process of this test binary, with `env`;
/// whether it passed (an allocation over its cap aborts the child).
fn passes_alone(name: &str, env: &[(&str, &str)]) -> bool {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--ignored", "--test-threads=1"])
        .env(CHILD, "1")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// Runs the ignored test `name` alone in a child process; panics if it fails.
pub fn alone(name: &str) {
    assert!(passes_alone(name, &[]), "{name} failed alone");
}

/// Whether this process is the child of [`alone`] (an ignored test run otherwise returns).
pub fn is_alone() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Runs `work` with at most `bytes` more heap than is held now; the process aborts if it asks
/// for more. Only in the child of [`alone`], where no other test allocates.
pub fn capped<T>(bytes: usize, work: impl FnOnce() -> T) -> T {
    assert!(is_alone(), "a cap is process-wide: run under `alone`");
    ALLOCATOR.set_limit(ALLOCATOR.allocated() + bytes).unwrap();
    let result = work();
    ALLOCATOR.set_limit(usize::MAX).unwrap();
    result
}

#[test]
fn a_test_alone_fails_when_it_needs_more_than_its_cap() {
    let run =
        |bytes: &str| passes_alone("tests::memory::allocates_under_a_cap", &[("BYTES", bytes)]);
    assert!(run("500000"));
    assert!(!run("2000000"));
}

#[test]
#[ignore = "run alone by a_test_alone_fails_when_it_needs_more_than_its_cap"]
fn allocates_under_a_cap() {
    if !is_alone() {
        return;
    }
    let bytes: usize = std::env::var("BYTES").unwrap().parse().unwrap();
    capped(1 << 20, || drop(std::hint::black_box(vec![1u8; bytes])));
}
