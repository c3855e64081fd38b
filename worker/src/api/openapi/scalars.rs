//! The values the server reads leniently, each with the schema of what it accepts: surrounding
//! white space trimmed, numbers also as decimal text, booleans also as 1/0 and their text. The
//! types cannot say these rules, so each schema is declared here, mirroring the validation in
//! `totp_domain` (model and connection rules); the fuzzing suite holds the two together.

use serde_json::json;

/// Declares a scalar type whose schema is `$schema`, described by its doc comment.
macro_rules! scalar {
    ($(#[doc = $doc:literal])+ $name:ident => $schema:expr) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            // A stand-in: utoipa's model cannot hold every keyword (`prefixItems`); the
            // document takes the JSON of `declared` instead.
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .description(Some(STAND_IN))
                    .into()
            }
        }

        impl $name {
            /// The schema, described by the doc comment.
            pub fn declared() -> serde_json::Value {
                let mut schema = $schema;
                schema["description"] = json!([$($doc),+].map(str::trim).join(" "));
                schema
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// What a scalar's stand-in says; a document that still holds it lost a declared schema.
pub const STAND_IN: &str = "a scalar missing from scalars::all()";

/// Unicode White_Space, inside a character class.
const WS_CHARS: &str =
    r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Unicode White_Space, which the server trims around every text value.
const WS: &str = r"[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*";

scalar! {
/// An email address: at most 254 characters, ASCII only (an internationalized domain in its
/// xn-- form), a local part without white space and a dotted domain. Unique in the organization
/// ignoring ASCII case; a user is found by it the same way. Surrounding white space (Unicode
/// White_Space) is trimmed first.
EmailAddress => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?=[!-~]{{1,254}}{WS}$)[!-?A-~]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?{WS}$")
})
}

scalar! {
/// At most 128 characters, no control characters; blank for none. Surrounding white space
/// (Unicode White_Space) is trimmed first.
PersonName => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?:[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{{0,126}}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?)?{WS}$")
})
}

scalar! {
/// E.164: + then 8 to 15 digits, the first not 0; blank for none. Surrounding white space
/// (Unicode White_Space) is trimmed first.
PhoneNumber => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?:\+[1-9][0-9]{{7,14}})?{WS}$")
})
}

scalar! {
/// A DNS name of at most 253 characters, stored lower-cased. Surrounding white space (Unicode
/// White_Space) is trimmed first.
DomainName => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?=[A-Za-z0-9.-]{{1,253}}{WS}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?{WS}$")
})
}

scalar! {
/// Not blank, at most 128 characters, no control characters. Surrounding white space (Unicode
/// White_Space) is trimmed first.
OrganizationName => json!({
    "type": "string",
    "pattern": format!(r"^{WS}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{{0,126}}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?{WS}$")
})
}

scalar! {
/// Lower-case ASCII letters and digits in words joined by single hyphens, at most 48
/// characters. Surrounding white space (Unicode White_Space) is trimmed first.
AccountDomain => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?=[a-z0-9-]{{1,48}}{WS}$)[a-z0-9]+(?:-[a-z0-9]+)*{WS}$")
})
}

scalar! {
/// Shown in authenticator apps: not blank, at most 64 characters, no colon, no control
/// characters. Surrounding white space (Unicode White_Space) is trimmed first.
Issuer => json!({
    "type": "string",
    "pattern": format!(r"^{WS}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000:](?:[^\u0000-\u001F\u007F-\u009F:]{{0,62}}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000:])?{WS}$")
})
}

scalar! {
/// SHA1, SHA256 or SHA512, in any case; hyphens are ignored (SHA-256).
AlgorithmName => json!({
    "type": "string",
    "pattern": "^-*[Ss]-*[Hh]-*[Aa]-*(?:1|2-*5-*6|5-*1-*2)-*$"
})
}

scalar! {
/// true or false; also 1 or 0 (1.0 and 0.0 alike), and the text of any of the four, as forms
/// send them (surrounding white space is trimmed).
Flag => json!({
    "anyOf": [
        {
            "type": "boolean"
        },
        {
            "type": "integer",
            "enum": [0, 1]
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}(?:true|false|1|0){WS}$")
        }
    ]
})
}

scalar! {
/// 6, 7 or 8. Also as decimal text. A whole JSON number may carry a zero fraction (8.0 is 8).
Digits => json!({
    "anyOf": [
        {
            "type": "integer",
            "enum": [6, 7, 8]
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[678]){WS}$")
        }
    ]
})
}

scalar! {
/// Seconds per code. Authenticator apps use 30 (some tokens 60); longer periods only keep a
/// guessed code valid longer. Also as decimal text. A whole JSON number may carry a zero
/// fraction (8.0 is 8).
Period => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 15,
            "maximum": 60
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:1[5-9]|[2-5][0-9]|60){WS}$")
        }
    ]
})
}

scalar! {
/// Steps accepted either side of the current one (RFC 6238 recommends at most one). Also as
/// decimal text. A whole JSON number may carry a zero fraction (8.0 is 8).
Skew => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 0,
            "maximum": 1
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[01]){WS}$")
        }
    ]
})
}

scalar! {
/// Consecutive failed attempts before backoff, 1 to 20. Also as decimal text. A whole JSON
/// number may carry a zero fraction (8.0 is 8).
MaxAttempts => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 20
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[1-9]|1[0-9]|20){WS}$")
        }
    ]
})
}

scalar! {
/// Secrets to move in this pass, 1 to 500 (100 when absent). Also as decimal text. A whole JSON
/// number may carry a zero fraction (8.0 is 8).
ResealLimit => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[1-9][0-9]?|[1-4][0-9]{{2}}|500){WS}$")
        }
    ]
})
}

scalar! {
/// Free text.
Text => json!({ "type": "string" })
}

scalar! {
/// A code as authenticator apps show it: 6 to 8 digits (as many as the user's secret has; the
/// wrong number is a 422), spaces and hyphens ignored. As a JSON number, its digits.
Code => json!({
    "anyOf": [
        { "type": "string", "pattern": format!(r"^[{WS_CHARS}-]*(?:[0-9][{WS_CHARS}-]*){{6,8}}$") },
        { "type": "integer", "minimum": 100_000, "maximum": 99_999_999 }
    ]
})
}

scalar! {
/// A code as authenticator apps show it (see Code), or a recovery code: 16 letters and digits
/// 2 to 7, in any case, hyphens and spaces ignored.
CodeOrRecoveryCode => json!({
    "anyOf": [
        { "$ref": "#/components/schemas/Code" },
        { "type": "string", "pattern": r"^[\t\n\f\r -]*(?:[A-Za-z2-7][\t\n\f\r -]*){16}$" }
    ]
})
}

scalar! {
/// The only grant this server issues.
GrantType => json!({ "type": "string", "enum": ["client_credentials"] })
}

scalar! {
/// An entry: {user_id, otpauth_uri, friendly_name, add_factor}, or the same as a list.
ImportEntry => json!({
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "user_id": { "type": ["string", "null"], "description": "The user's id or email." },
                "otpauth_uri": {
                    "type": ["string", "null"],
                    "description": "otpauth://totp/ URI: algorithm, digits and period are taken from it (period 15 to 60 s). HOTP is refused."
                },
                "friendly_name": {
                    "type": ["string", "null"],
                    "description": "The factor's name (1 to 64 characters, trimmed); by default \"Authenticator app\". A bad one refuses the entry in its result."
                },
                "add_factor": {
                    "type": ["boolean", "null"],
                    "description": "Import beside the user's factors (up to five); overrides the request's add_factor."
                }
            }
        },
        {
            "type": "array",
            "prefixItems": [
                { "type": ["string", "null"] },
                { "type": ["string", "null"] },
                { "type": ["string", "null"] },
                { "type": ["boolean", "null"] }
            ],
            "minItems": 2,
            "maxItems": 4,
            "description": "The same entry written as [user_id, otpauth_uri, friendly_name, add_factor], the last two optional."
        }
    ]
})
}

scalar! {
/// Days, 0 to 90. Also as decimal text. A whole JSON number may carry a zero fraction (8.0 is
/// 8).
Days => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 0,
            "maximum": 90
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[0-9]|[1-8][0-9]|90){WS}$")
        }
    ]
})
}

scalar! {
/// A factor's name: not blank, at most 64 characters, no control characters. Surrounding white
/// space (Unicode White_Space) is trimmed first.
FriendlyName => json!({
    "type": "string",
    "pattern": format!(r"^{WS}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{{0,62}}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?{WS}$")
})
}

scalar! {
/// At most 64 characters, no control characters; blank for none. Surrounding white space
/// (Unicode White_Space) is trimmed first.
DeviceName => json!({
    "type": "string",
    "pattern": format!(r"^{WS}(?:[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{{0,62}}[^\u0000-\u001F\u007F-\u009F \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?)?{WS}$")
})
}

scalar! {
/// A device token as answered (43 characters); any text of 1 to 128 characters is looked up,
/// and one that names no trusted device of the user answers trusted: false.
DeviceToken => json!({ "type": "string", "minLength": 1, "maxLength": 128 })
}

scalar! {
/// Days, 30 to 3,650. Also as decimal text. A whole JSON number may carry a zero fraction (8.0
/// is 8).
RetentionDays => json!({
    "anyOf": [
        {
            "type": "integer",
            "minimum": 30,
            "maximum": 3650
        },
        {
            "type": "string",
            "pattern": format!(r"^{WS}\+?0*(?:[3-9][0-9]|[1-9][0-9]{{2}}|[1-2][0-9]{{3}}|3[0-5][0-9]{{2}}|36[0-4][0-9]|3650){WS}$")
        }
    ]
})
}

scalar! {
/// An https:// URL of a host name (an internationalized one in its xn-- form) or an IP address,
/// with an optional port and path, no user or password, ASCII without white space, at most
/// 2,048 characters; not this machine (http:// to it only in local builds). Surrounding white
/// space is trimmed first.
WebhookUrl => json!({ "type": "string", "maxLength": 2048 })
}

/// Every scalar's schema, by name.
pub fn all() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("EmailAddress", EmailAddress::declared()),
        ("PersonName", PersonName::declared()),
        ("PhoneNumber", PhoneNumber::declared()),
        ("DomainName", DomainName::declared()),
        ("OrganizationName", OrganizationName::declared()),
        ("AccountDomain", AccountDomain::declared()),
        ("Issuer", Issuer::declared()),
        ("AlgorithmName", AlgorithmName::declared()),
        ("Flag", Flag::declared()),
        ("Digits", Digits::declared()),
        ("Period", Period::declared()),
        ("Skew", Skew::declared()),
        ("MaxAttempts", MaxAttempts::declared()),
        ("ResealLimit", ResealLimit::declared()),
        ("Text", Text::declared()),
        ("Code", Code::declared()),
        ("CodeOrRecoveryCode", CodeOrRecoveryCode::declared()),
        ("GrantType", GrantType::declared()),
        ("ImportEntry", ImportEntry::declared()),
        ("Days", Days::declared()),
        ("FriendlyName", FriendlyName::declared()),
        ("DeviceName", DeviceName::declared()),
        ("DeviceToken", DeviceToken::declared()),
        ("RetentionDays", RetentionDays::declared()),
        ("WebhookUrl", WebhookUrl::declared()),
    ]
}
