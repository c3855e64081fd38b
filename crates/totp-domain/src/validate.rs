//! Checks of client-supplied fields, each failing with a 422 that names the field.

use crate::error::{Error, Result};

/// A required, trimmed, non-empty string of at most `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "can't be blank"));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// An optional string: absent or blank becomes `None`.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim).filter(|value| !value.is_empty()) {
        Some(value) => text(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// A plausible email address: one `@`, a local part, a domain with a dot, all ASCII.
///
/// ASCII only, so one address has one spelling: Unicode case mapping and normalization merge
/// distinct strings (the Kelvin sign lower-cases to `k`), and invisible or fullwidth characters
/// make look-alikes. An internationalized domain is accepted in its `xn--` form.
pub fn email(field: &'static str, value: &str) -> Result<String> {
    let value = text(field, value, 254)?;
    if !value.is_ascii() {
        return Err(Error::invalid(
            field,
            "must be ASCII (write an internationalized domain in its xn-- form)",
        ));
    }
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain_name(domain) && !local.contains(char::is_whitespace)
    });
    if !valid {
        return Err(Error::invalid(field, "is not a valid email address"));
    }
    Ok(value)
}

/// A DNS name such as `communitiz.app`, lower-cased.
pub fn domain(field: &'static str, value: &str) -> Result<String> {
    let value = text(field, value, 253)?.to_ascii_lowercase();
    if !domain_name(&value) {
        return Err(Error::invalid(field, "is not a valid domain name"));
    }
    Ok(value)
}

fn domain_name(value: &str) -> bool {
    value.contains('.')
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// An E.164 phone number: `+`, then 8 to 15 digits, the first not zero.
pub fn phone_number(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    let digits = value.strip_prefix('+').unwrap_or_default();
    let valid = (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if !valid {
        return Err(Error::invalid(
            field,
            "must be in E.164 format, e.g. +33612345678",
        ));
    }
    Ok(value.to_owned())
}

/// The identifier derived from a name: lower-case ASCII letters, digits and single hyphens.
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(48).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "org".to_owned()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_guide() {
        assert_eq!(slug("Communitiz App"), "communitiz-app");
        assert_eq!(slug("  Ünïcode -- Ltd. "), "n-code-ltd");
        assert_eq!(slug("!!!"), "org");
    }

    #[test]
    fn field_checks_name_the_field() {
        assert_eq!(
            email("profile[email]", "nope").unwrap_err().to_string(),
            "profile[email] is not a valid email address"
        );
        assert!(email("e", "emilie@communitiz-app.co").is_ok());
        assert!(phone_number("p", "+33612345678").is_ok());
        assert!(phone_number("p", "0612345678").is_err());
        assert!(domain("d", "communitiz.app").is_ok());
        assert!(domain("d", "-bad.app").is_err());
        assert!(text("n", "   ", 10).is_err());
        assert!(text("n", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(text("n", " éé ", 2), Ok("éé".to_owned()));
        assert!(matches!(
            text("n", "ééé", 2),
            Err(Error::Invalid { field: "n", .. })
        ));
        assert_eq!(optional_text("n", Some(" x "), 5), Ok(Some("x".to_owned())));
        assert_eq!(optional_text("n", Some("  "), 5), Ok(None));
        assert_eq!(optional_text("n", None, 5), Ok(None));
        assert!(optional_text("n", Some("toolong"), 5).is_err());
    }

    #[test]
    fn an_email_is_ascii_so_look_alikes_are_refused() {
        for look_alike in [
            "\u{212A}ate@acme.test",
            "\u{0131}sa@acme.test",
            "\u{0130}sa@acme.test",
            "stra\u{DF}e@acme.test",
            "\u{FF4B}ate@acme.test",
            "jose\u{301}@acme.test",
            "jos\u{E9}@acme.test",
            "ka\u{200D}te@acme.test",
            "kate@b\u{FC}cher.test",
        ] {
            match email("profile[email]", look_alike) {
                Err(Error::Invalid { field, message }) => {
                    assert_eq!(field, "profile[email]");
                    assert!(message.starts_with("must be ASCII"), "{message}");
                }
                other => panic!("{look_alike}: {other:?}"),
            }
        }
        assert!(email("e", "kate@xn--bcher-kva.test").is_ok());
    }

    #[test]
    fn an_email_needs_a_local_part_without_spaces_and_a_dotted_domain() {
        for bad in [
            "@b.co", "a b@b.co", "a@nodot", "a@-b.co", "a@b..co", "ab.co",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
        assert_eq!(
            email("e", " A.b+c@Sub.B.co "),
            Ok("A.b+c@Sub.B.co".to_owned())
        );
    }
}
