//! The webhook rules, each checked without any store.

use super::*;

#[test]
fn signatures_follow_standard_webhooks() {
    // The specification's example: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, message
    // msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, body {"test": 2432232314}.
    let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(
        signature(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}

#[test]
fn a_secret_is_256_random_bits_shown_as_whsec() {
    let (bytes, shown) = new_secret().unwrap();
    assert_eq!(bytes.len(), 32);
    assert_eq!(shown, format!("whsec_{}", STANDARD.encode(&bytes)));
    assert_ne!(new_secret().unwrap().0, bytes);
}

#[test]
fn retries_double_up_to_an_hour() {
    assert_eq!(
        (1..=6).map(|n| retry_delay(n, 30)).collect::<Vec<_>>(),
        [30, 60, 120, 240, 480, 960]
    );
    assert_eq!(retry_delay(40, 30), MAX_RETRY_DELAY);
    assert_eq!(retry_delay(1, 1), 1);
}

#[test]
fn endpoints_are_https_and_loopback_http_only_where_allowed() {
    for url in [
        "https://hooks.example.com/totp",
        "https://hooks.example.com:8443/a?b=c",
        "https://xn--bcher-kva.example/x",
        "https://203.0.113.7/hook",
    ] {
        assert_eq!(check_url(url, false).unwrap(), url);
    }
    assert_eq!(
        check_url(" http://127.0.0.1:8080/hook ", true).unwrap(),
        "http://127.0.0.1:8080/hook"
    );
    check_url("http://localhost:9/x", true).unwrap();
    let said = |url: &str, loopback| match check_url(url, loopback) {
        Err(Error::Invalid { message, .. }) => message,
        other => panic!("{url}: {other:?}"),
    };
    assert_eq!(
        said("https://127.0.0.1/x", false),
        "must not point at this machine"
    );
    assert_eq!(
        said("http://hooks.example.com/x", true),
        "must be an https:// URL (http:// only to this machine, in local builds)"
    );
    assert_eq!(
        said("ftp://hooks.example.com/x", false),
        "must be an https:// URL"
    );
    check_url("http://[::1]:9/x", true).unwrap();
    for (url, loopback) in [
        ("http://hooks.example.com/", false),
        ("http://hooks.example.com/", true),
        ("http://127.0.0.1:8080/", false),
        ("https://localhost/", false),
        ("ftp://hooks.example.com/", false),
        ("https://user:pass@hooks.example.com/", false),
        ("https:///path", false),
        ("https://exa mple.com/", false),
        ("https://bücher.example/", false),
        ("https://-bad.example/", false),
        ("https://hooks.example.com:0/", false),
        ("https://hooks.example.com:99999/", false),
        ("hooks.example.com", false),
    ] {
        assert!(
            matches!(
                check_url(url, loopback),
                Err(Error::Invalid { field: "url", .. })
            ),
            "{url} {loopback}"
        );
    }
    assert!(check_url(&format!("https://a.example/{}", "x".repeat(2048)), false).is_err());
    let longest = format!(
        "https://a.example/{}",
        "x".repeat(2048 - "https://a.example/".len())
    );
    assert_eq!(check_url(&longest, false).unwrap().len(), MAX_URL);
    // Only the path is odd: white space, a control character, a letter beyond ASCII.
    for url in [
        "https://a.example/a b",
        "https://a.example/a\u{1}b",
        "https://a.example/é",
    ] {
        assert!(check_url(url, false).is_err(), "{url:?}");
    }
}

#[test]
fn event_types_round_trip_through_their_names() {
    for event in EventType::ALL {
        assert_eq!(EventType::parse(event.as_str()), Some(*event));
        assert_eq!(
            serde_json::to_value(event).unwrap(),
            serde_json::json!(event.as_str())
        );
    }
    assert_eq!(EventType::ALL.len(), 13);
    assert_eq!(EventType::parse("user.unlocked"), None);
}

#[test]
fn times_are_written_as_rfc_3339_in_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_614_265_330), "2021-02-25T15:02:10Z");
    assert_eq!(rfc3339(1_800_000_000), "2027-01-15T08:00:00Z");
    assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    // The century and the 400-year terms of the conversion.
    assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
    assert_eq!(rfc3339(13_569_379_200), "2399-12-31T00:00:00Z");
    assert_eq!(rfc3339(13_574_563_200), "2400-02-29T00:00:00Z");
    assert_eq!(rfc3339(13_574_649_600), "2400-03-01T00:00:00Z");
}
