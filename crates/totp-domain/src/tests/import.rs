//! Importing factors from otpauth URIs as authenticator apps and providers export them.

use super::{Org, T0, wrong};
use crate::error::Error;
use crate::factor::FactorStatus;
use crate::model::PageRequest;
use crate::org::{ImportEntry, ImportRequest, MAX_IMPORTS, Refusal};
use otp_core::UriError;

/// RFC 6238's test secrets: "12345678901234567890" (SHA-1) and its 32-byte extension (SHA-256).
const RFC_SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_SHA256: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";

fn entry(user: &str, uri: &str) -> ImportEntry {
    ImportEntry {
        user_id: Some(user.into()),
        otpauth_uri: Some(uri.into()),
        ..Default::default()
    }
}

fn import(
    org: &Org,
    factors: Vec<ImportEntry>,
    codes: bool,
    replace: bool,
) -> crate::org::ImportReport {
    org.at(T0)
        .import_factors(ImportRequest {
            factors,
            issue_recovery_codes: codes,
            replace,
            add_factor: false,
        })
        .unwrap()
}

#[test]
fn uris_as_apps_export_them_import_and_validate_codes_computed_independently() {
    let org = Org::new();
    org.with_user();
    let users: Vec<String> = (0..4)
        .map(|i| org.user(&format!("i{i}@acme.test")))
        .collect();
    let report = import(
        &org,
        vec![
            // Issuer in the label and in the parameter (Google Authenticator's export).
            entry(
                &users[0],
                &format!(
                    "otpauth://totp/ACME%20Co:i0@acme.test?secret={RFC_SHA1}&issuer=ACME%20Co"
                ),
            ),
            // Lower-case and padded secret, issuer in the label only, given by email.
            entry(
                "I1@ACME.test",
                "otpauth://totp/Legacy:i1?secret=gezdgnbvgy3tqojqgezdgnbvgy%3D%3D%3D%3D%3D%3D",
            ),
            // SHA-256 with 8 digits.
            entry(
                &users[2],
                &format!("otpauth://totp/i2?secret={RFC_SHA256}&algorithm=SHA256&digits=8"),
            ),
            // Period 60.
            entry(
                &users[3],
                &format!("otpauth://totp/Okta:i3?secret={RFC_SHA1}&period=60&issuer=Okta"),
            ),
        ],
        false,
        false,
    );
    assert_eq!((report.imported, report.failed), (4, 0), "{report:?}");
    assert!(report.results.iter().all(|r| r.recovery_codes.is_none()));
    assert_eq!(
        report.results[1].user_id.as_deref(),
        Some(users[1].as_str())
    );
    for user in &users {
        let factor = org.factor(user);
        assert_eq!(
            (factor.status, factor.generation),
            (FactorStatus::Active, 1)
        );
    }
    // RFC 6238, appendix B: at T = 59 s, SHA-1 gives 94287082 and SHA-256 46119246 (8 digits).
    let at = |now: u64, user: &str, code: &str| {
        org.at(now).validate_challenge(user, code).unwrap().success
    };
    assert!(
        at(59, &users[0], "287082"),
        "the last six digits of 94287082"
    );
    assert!(at(59, &users[2], "46119246"));
    // The padded lower-case secret "1234567890123456" at step 1 (Python's hmac, by hand).
    assert!(at(59, &users[1], "970934"));
    // Period 60 at T = 59 is step 0, the same counter as RFC 4226's first HOTP value, 755224.
    assert!(at(59, &users[3], "755224"));
    assert!(!at(89, &users[3], &wrong("755224")));
}

#[test]
fn bad_entries_are_reported_by_index_and_the_good_ones_stay_imported() {
    let org = Org::new();
    let kept = org.user("kept@acme.test");
    let good = org.user("good@acme.test");
    let cases = vec![
        entry(&good, &format!("otpauth://totp/good?secret={RFC_SHA1}")),
        entry(
            &kept,
            &format!("otpauth://hotp/kept?secret={RFC_SHA1}&counter=0"),
        ),
        entry(
            "nobody@acme.test",
            &format!("otpauth://totp/x?secret={RFC_SHA1}"),
        ),
        entry(&kept, "otpauth://totp/kept?secret=not*base32"),
        entry(
            &kept,
            &format!("otpauth://totp/kept?secret={RFC_SHA1}&period=300"),
        ),
        entry(&kept, "https://example.test/?secret=JBSWY3DPEHPK3PXP"),
        ImportEntry {
            user_id: Some(kept.clone()),
            otpauth_uri: None,
            ..Default::default()
        },
    ];
    let report = import(&org, cases, true, false);
    assert_eq!((report.imported, report.failed), (1, 6));
    let refusals: Vec<_> = report.results.iter().map(|r| r.error.clone()).collect();
    assert_eq!(
        report.results.iter().map(|r| r.index).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    assert_eq!(report.results[0].status, "imported");
    assert_eq!(refusals[0], None);
    assert_eq!(refusals[1], Some(Refusal::NotTotp));
    assert_eq!(refusals[2], Some(Refusal::UserNotFound));
    assert!(
        matches!(refusals[3], Some(Refusal::Uri(UriError::Secret(_)))),
        "{:?}",
        refusals[3]
    );
    assert_eq!(refusals[4], Some(Refusal::PeriodOutOfRange));
    assert_eq!(refusals[5], Some(Refusal::Uri(UriError::Scheme)));
    assert_eq!(refusals[6], Some(Refusal::UriMissing));
    assert!(report.results[1..].iter().all(|r| r.status == "error"));
    assert!(
        !format!("{report:?}").contains("base32*"),
        "no secret is echoed"
    );
    assert_eq!(
        report.results[0]
            .recovery_codes
            .as_deref()
            .map(|c| c.lines().count()),
        Some(5)
    );
    assert!(crate::org::store::factor(&org.db, &kept).unwrap().is_none());
    // The audit trail records each import, and only those.
    let page = PageRequest::numbered(1, 100);
    let events = org.at(T0).audit_events(page).unwrap().data;
    let imported: Vec<_> = events
        .iter()
        .filter(|e| e.event == "factor.imported")
        .collect();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].user_id.as_deref(), Some(good.as_str()));
    let detail = imported[0].detail.as_deref().unwrap();
    assert!(
        detail.starts_with("first, with recovery codes, factor "),
        "{detail}"
    );
}

#[test]
fn an_active_factor_is_replaced_only_when_asked() {
    let org = Org::new();
    let (user, totp, codes) = org.active();
    let uri = format!("otpauth://totp/x?secret={RFC_SHA1}");
    let refused = import(&org, vec![entry(&user, &uri)], false, false);
    assert_eq!(refused.results[0].error, Some(Refusal::ExistingFactor));
    assert!(
        org.at(T0)
            .validate_challenge(&user, totp.generate(T0).as_str())
            .is_ok()
    );
    let before = org.factor(&user).id;
    let replaced = import(&org, vec![entry(&user, &uri)], false, true);
    assert_eq!(replaced.imported, 1);
    let factors = crate::org::store::factors(&org.db, &user).unwrap();
    assert_eq!(factors.len(), 1, "the one imported");
    assert_ne!(factors[0].id, before, "a new factor");
    assert!(
        !org.at(59)
            .validate_challenge(&user, &codes[0])
            .unwrap()
            .success,
        "old codes went with the old factor"
    );
    // RFC 6238's SHA-1 vector at 2000000000 (69279037), cut to six digits.
    assert!(
        org.at(2_000_000_000)
            .validate_challenge(&user, "279037")
            .unwrap()
            .success
    );
}

#[test]
fn an_import_holds_1_to_500_entries() {
    let org = Org::new();
    let most = (0..MAX_IMPORTS).map(|_| ImportEntry::default()).collect();
    let request = ImportRequest {
        factors: most,
        ..Default::default()
    };
    assert_eq!(
        org.at(T0).import_factors(request).unwrap().failed,
        MAX_IMPORTS
    );
    for count in [0, MAX_IMPORTS + 1] {
        let factors = (0..count).map(|_| ImportEntry::default()).collect();
        let request = ImportRequest {
            factors,
            ..Default::default()
        };
        assert!(matches!(
            org.at(T0).import_factors(request),
            Err(Error::Invalid {
                field: "factors",
                ..
            })
        ));
    }
}

#[test]
fn a_refusal_tells_the_client_what_to_fix() {
    let said = |refusal: Refusal| refusal.to_string();
    assert_eq!(
        said(Refusal::NotTotp),
        "only TOTP can be imported (otpauth://totp/)"
    );
    assert_eq!(
        said(Refusal::PeriodOutOfRange),
        "otpauth_uri: period must be between 15 and 60 seconds"
    );
    assert_eq!(
        said(Refusal::Uri(UriError::Scheme)),
        "otpauth_uri: not an otpauth:// URI"
    );
    assert_eq!(
        said(Refusal::ExistingFactor),
        "the user already has a factor; set replace to change it, or add_factor to add one \
         beside it"
    );
}
