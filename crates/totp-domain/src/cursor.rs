//! Page cursors: the sort key of a page's last item, opaque to clients (base64url) and tagged
//! with the list it belongs to, so a page after it is one index seek wherever it starts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};

/// Ends a page read with one row more than `per_page`: drops that row and answers the cursor
/// after the page's last row, if the extra row showed that more follow.
pub fn end_page<T>(
    rows: &mut Vec<T>,
    per_page: u32,
    cursor: impl Fn(&T) -> String,
) -> Option<String> {
    let per_page = per_page as usize;
    if rows.len() <= per_page {
        return None;
    }
    rows.truncate(per_page);
    rows.last().map(cursor)
}

/// The cursor after the user created at `created_at` with id `id`.
pub fn user(created_at: u64, id: &str) -> String {
    encode(&format!("user.{created_at}.{id}"))
}

/// The creation time and id a user cursor names.
pub fn parse_user(cursor: &str) -> Result<(u64, String)> {
    created("user.", cursor)
}

/// The cursor after the organization created at `created_at` with id `id`.
pub fn organization(created_at: u64, id: &str) -> String {
    encode(&format!("organization.{created_at}.{id}"))
}

/// The creation time and id an organization cursor names.
pub fn parse_organization(cursor: &str) -> Result<(u64, String)> {
    created("organization.", cursor)
}

fn created(tag: &str, cursor: &str) -> Result<(u64, String)> {
    decode(cursor)?
        .strip_prefix(tag)
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_owned())))
        .ok_or_else(refused)
}

/// The cursor after the audit event `id`.
pub fn audit_event(id: i64) -> String {
    encode(&format!("audit.{id}"))
}

/// The audit event id an audit cursor names.
pub fn parse_audit_event(cursor: &str) -> Result<i64> {
    decode(cursor)?
        .strip_prefix("audit.")
        .and_then(|id| id.parse().ok())
        .ok_or_else(refused)
}

fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The longest cursor read.
pub const MAX_LENGTH: usize = 256;

fn decode(cursor: &str) -> Result<String> {
    if cursor.len() > MAX_LENGTH {
        return Err(refused());
    }
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(refused)
}

fn refused() -> Error {
    Error::invalid(
        "starting_after",
        "must be a next_cursor from an earlier page of this list",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_opaque() {
        let cursor = user(1_700_000_000, "a.b-c");
        assert!(!cursor.contains("user"));
        assert_eq!(
            parse_user(&cursor).unwrap(),
            (1_700_000_000, "a.b-c".into())
        );
        assert_eq!(parse_audit_event(&audit_event(42)).unwrap(), 42);
    }

    #[test]
    fn a_cursor_of_the_longest_length_is_read() {
        let longest = user(1, &"u".repeat(185));
        assert_eq!(longest.len(), MAX_LENGTH);
        assert_eq!(parse_user(&longest).unwrap().1.len(), 185);
    }

    #[test]
    fn a_page_ends_with_a_cursor_only_when_more_follow() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(
            end_page(&mut rows, 2, |n| n.to_string()).as_deref(),
            Some("2")
        );
        assert_eq!(rows, [1, 2]);
        assert_eq!(end_page(&mut rows, 2, |n| n.to_string()), None);
        assert_eq!(rows, [1, 2]);
    }

    #[test]
    fn a_cursor_of_another_list_or_no_cursor_is_refused() {
        for bad in [
            audit_event(1),
            "!!".into(),
            encode("user.x.id"),
            encode("user.12"),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
            user(1, &"u".repeat(MAX_LENGTH)),
        ] {
            let error = parse_user(&bad).unwrap_err();
            assert!(
                error.to_string().contains("starting_after"),
                "{bad}: {error}"
            );
        }
        assert!(parse_audit_event(&user(1, "u")).is_err());
        assert!(parse_organization(&user(1, "u")).is_err());
        assert_eq!(
            parse_organization(&organization(7, "o")).unwrap(),
            (7, "o".into())
        );
        assert!(parse_audit_event(&encode("audit.x")).is_err());
    }
}
