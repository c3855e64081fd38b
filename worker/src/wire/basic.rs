//! Client credentials in HTTP Basic (RFC 6749, section 2.3.1, which servers must support): the
//! client id and secret, each form-urlencoded, joined by a colon, in base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The client id and secret of an `Authorization: Basic` header; `None` for another scheme,
/// `Err` for Basic credentials that do not decode.
pub fn credentials(authorization: &str) -> Result<Option<(String, String)>, Malformed> {
    let Some((scheme, encoded)) = authorization.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| Malformed)?;
    let text = String::from_utf8(decoded).map_err(|_| Malformed)?;
    let (id, secret) = text.split_once(':').ok_or(Malformed)?;
    let id = form_decoded(id)?;
    if id.is_empty() {
        return Err(Malformed);
    }
    Ok(Some((id, form_decoded(secret)?)))
}

/// Basic credentials that do not decode.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// `application/x-www-form-urlencoded` decoding of one value (`+` is a space).
fn form_decoded(value: &str) -> Result<String, Malformed> {
    let spaced = value.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| Malformed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn the_client_id_and_secret_are_read_form_decoded() {
        assert_eq!(
            credentials(&basic("id-1:s3cr%2Bt+x")).unwrap(),
            Some(("id-1".to_owned(), "s3cr+t x".to_owned()))
        );
        assert_eq!(
            credentials(&format!("basic  {}", STANDARD.encode("a:b:c"))).unwrap(),
            Some(("a".to_owned(), "b:c".to_owned())),
            "the first colon separates; the scheme's case does not matter"
        );
    }

    #[test]
    fn other_schemes_are_not_basic_and_broken_basic_is_refused() {
        assert_eq!(credentials("Bearer abc").unwrap(), None);
        assert_eq!(credentials("").unwrap(), None);
        for broken in [
            "Basic !!!".to_owned(),
            basic("no-colon"),
            basic(":secret"),
            basic("id:%FF"),
            format!("Basic {}", STANDARD.encode([0xff, b':', b'x'])),
        ] {
            assert_eq!(credentials(&broken), Err(Malformed), "{broken}");
        }
    }
}
