//! Importing existing TOTP factors (from another provider or the organization's own database),
//! so users need not enroll again. Each entry is an `otpauth://totp/` URI parsed by otp-core;
//! it becomes the user's active factor, sealed like any secret, in its own transaction, so a
//! bad entry leaves the good ones imported. Secrets are never echoed. An import changes the
//! secret only: the user's guard (failures, lockout, last accepted step, recovery allowance)
//! stays as it is. It needs no active connection, so factors can be brought in before the
//! connection is switched on.

use std::fmt;

use otp_core::{OtpauthUri, UriError};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Record, Result};
use crate::factor::{self, Enrollment, Factor, FactorStatus, MAX_FACTORS};
use crate::model::Method;
use crate::new_id;
use crate::sql::Sql;

use super::audit::AuditKind;
use super::connection::PERIODS;
use super::factors::friendly_name;
use super::store::AnswerKind;
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// Entries per request at most.
pub const MAX_IMPORTS: usize = 500;

/// Imported secrets shorter than this are refused: one observed code would narrow them down.
pub const MIN_SECRET_BITS: usize = 80;

/// RFC 4226 (section 4) asks for at least this many; shorter imports are marked weak.
pub const RECOMMENDED_SECRET_BITS: usize = 128;

/// One factor to import, as received.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ImportEntry {
    /// The user's id or email.
    pub user_id: Option<String>,
    /// `otpauth://totp/...`.
    pub otpauth_uri: Option<String>,
    /// The factor's name (1 to 64 characters); by default "Authenticator app".
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Import beside the user's factors instead of refusing (or, with `replace`, replacing
    /// them); overrides the request's `add_factor`.
    #[serde(default)]
    pub add_factor: Option<bool>,
}

/// What to import, and how.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ImportRequest {
    /// Up to [`MAX_IMPORTS`] entries.
    pub factors: Vec<ImportEntry>,
    /// Issue five recovery codes with each imported factor (shown once, in its result).
    #[serde(default)]
    pub issue_recovery_codes: bool,
    /// Replace a user's factors (pending or active); without it such a user is left unchanged.
    #[serde(default)]
    pub replace: bool,
    /// Import each factor beside the user's others (up to five), keeping them.
    #[serde(default)]
    pub add_factor: bool,
}

/// The outcome of one entry.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// The entry's position in `factors`, from 0.
    pub index: usize,
    /// The user's id when found, else the entry's `user_id` as sent.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub user_id: Option<String>,
    /// `imported` or `error`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::import_status))]
    pub status: &'static str,
    /// Why the entry was refused; never holds the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, nullable = false))]
    pub error: Option<Refusal>,
    /// Five codes joined by `\n`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub recovery_codes: Option<String>,
    /// Present (true) when the imported secret holds fewer than 128 bits (RFC 4226 asks for
    /// 128); accepted, and worth replacing by an enrollment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::always_true))]
    pub weak_secret: bool,
}

/// The outcome of an import.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Entries imported.
    pub imported: usize,
    /// Entries refused.
    pub failed: usize,
    /// One result per entry, in order.
    pub results: Vec<ImportResult>,
}

impl<S: Sql> OrgService<'_, S> {
    /// Imports each entry on its own; the report says what became of each.
    pub fn import_factors(&self, request: ImportRequest) -> Result<ImportReport> {
        if request.replace && request.add_factor {
            return Err(Error::invalid(
                "add_factor",
                "cannot be combined with replace: choose one",
            ));
        }
        if request.factors.is_empty() || request.factors.len() > MAX_IMPORTS {
            return Err(Error::invalid(
                "factors",
                format!("must hold 1 to {MAX_IMPORTS} entries"),
            ));
        }
        // Each URI parsed once: all of them are looked at before anything is imported.
        let uris: Vec<Option<Parsed>> = request
            .factors
            .iter()
            .map(|entry| {
                entry
                    .otpauth_uri
                    .as_deref()
                    .map(|uri| OtpauthUri::parse(uri.trim()))
            })
            .collect();
        refuse_short_secrets(&uris)?;
        let mut results = Vec::with_capacity(uris.len());
        for ((index, entry), uri) in request.factors.into_iter().enumerate().zip(uris) {
            let sent = entry.user_id.clone();
            // A storage failure stops the request (logged, answered generically); the entries
            // before it stay imported, each in its own transaction.
            let how = How {
                issue_recovery_codes: request.issue_recovery_codes,
                replace: request.replace,
                add_factor: entry.add_factor.unwrap_or(request.add_factor),
                friendly_name: entry.friendly_name,
            };
            let result = match self.import_one(entry.user_id, uri, how)? {
                Ok(imported) => ImportResult {
                    index,
                    user_id: Some(imported.user_id),
                    status: "imported",
                    error: None,
                    recovery_codes: imported.recovery_codes,
                    weak_secret: imported.weak_secret,
                },
                Err(error) => ImportResult {
                    index,
                    user_id: sent,
                    status: "error",
                    error: Some(error),
                    recovery_codes: None,
                    weak_secret: false,
                },
            };
            results.push(result);
        }
        let imported = results.iter().filter(|r| r.status == "imported").count();
        Ok(ImportReport {
            imported,
            failed: results.len() - imported,
            results,
        })
    }

    /// One entry, in one transaction: what was imported, or why the entry was refused.
    fn import_one(
        &self,
        user_id: Option<String>,
        uri: Option<Parsed>,
        how: How,
    ) -> Result<Refusable<Imported>> {
        let How {
            issue_recovery_codes,
            replace,
            add_factor,
            friendly_name: name,
        } = how;
        let Some(sent) = user_id else {
            return Ok(Err(Refusal::UserIdMissing));
        };
        let user = match self.user_id(&sent) {
            Ok(user) => user,
            Err(Error::NotFound(Record::User)) => return Ok(Err(Refusal::UserNotFound)),
            Err(error) => return Err(error),
        };
        let Some(uri) = uri else {
            return Ok(Err(Refusal::UriMissing));
        };
        let parsed = match uri {
            Ok(parsed) => parsed,
            Err(UriError::UnsupportedType) => return Ok(Err(Refusal::NotTotp)),
            Err(other) => return Ok(Err(Refusal::Uri(other))),
        };
        if !PERIODS.contains(&parsed.period()) {
            return Ok(Err(Refusal::PeriodOutOfRange));
        }
        let name = match name.map(|name| friendly_name(&name)).transpose() {
            Ok(name) => name.unwrap_or_else(|| factor::default_name(Method::TotpApp).into()),
            Err(error) => return Ok(Err(Refusal::FriendlyName(error.to_string()))),
        };
        let existing = store::factors(self.sql, &user)?;
        let replacing = !existing.is_empty() && !add_factor;
        if replacing && !replace {
            return Ok(Err(Refusal::ExistingFactor));
        }
        if add_factor && existing.len() >= MAX_FACTORS {
            return Ok(Err(Refusal::FactorLimit));
        }
        let sealed_secret = self.keys.seal(parsed.secret(), &user)?;
        let mut factor = Factor::new(
            new_id()?,
            &user,
            name,
            Enrollment {
                method: Method::TotpApp,
                sealed_secret,
                algorithm: parsed.algorithm(),
                digits: parsed.digits(),
                period: parsed.period(),
            },
            self.now,
        );
        factor.status = FactorStatus::Active;

        let mut writes = Vec::new();
        if replacing {
            // The factors it replaces go with their challenges, kept answers and the devices
            // trusted under them.
            writes.extend(store::delete_factors(&user));
            writes.push(store::delete_devices(&user));
            writes.push(store::forget_answers(
                &user,
                &[AnswerKind::Enrollment, AnswerKind::Challenge],
            ));
        }
        writes.push(store::save_factor(&factor));
        // A new secret is in: the re-enrollment a recovery code asked for is done.
        let mut guard = store::guard(self.sql, &user)?;
        if guard.reenrollment_required {
            guard.reenrolled();
            writes.push(store::save_guard(&user, &guard));
        }
        let recovery_codes = if issue_recovery_codes {
            let set = self.recovery_set(&user)?;
            writes.extend(set.writes);
            Some(set.codes)
        } else {
            None
        };
        let how = match (replacing, add_factor && !existing.is_empty()) {
            (true, _) => "replaced",
            (false, true) => "added",
            (false, false) => "first",
        };
        let codes = if issue_recovery_codes {
            "with recovery codes"
        } else {
            "without recovery codes"
        };
        let detail = format!("{how}, {codes}, factor {}", factor.id);
        writes.push(self.audit(AuditKind::FactorImported, Some(&user), Some(detail)));
        for event in [EventType::FactorEnrolled, EventType::FactorActivated] {
            let imported = data([
                ("factor_id", json!(factor.id)),
                ("imported", json!(true)),
                ("replaced", json!(replacing)),
            ]);
            writes.push(self.notify(event, Some(&user), imported)?);
        }
        self.sql.commit(writes)?;
        Ok(Ok(Imported {
            user_id: user,
            recovery_codes,
            weak_secret: parsed.secret().as_bytes().len() * 8 < RECOMMENDED_SECRET_BITS,
        }))
    }
}

/// How one entry is imported.
struct How {
    issue_recovery_codes: bool,
    replace: bool,
    add_factor: bool,
    friendly_name: Option<String>,
}

/// What one entry's import did.
struct Imported {
    user_id: String,
    recovery_codes: Option<String>,
    weak_secret: bool,
}

/// Refuses the whole request, before anything is imported, if an entry's secret holds fewer
/// than [`MIN_SECRET_BITS`]: such a batch comes from a source that needs looking at.
fn refuse_short_secrets(uris: &[Option<Parsed>]) -> Result<()> {
    for (index, uri) in uris.iter().enumerate() {
        let Some(Ok(parsed)) = uri else {
            continue;
        };
        let bits = parsed.secret().as_bytes().len() * 8;
        if bits < MIN_SECRET_BITS {
            return Err(Error::invalid(
                "factors",
                format!(
                    "entry {index}: otpauth_uri's secret holds {bits} bits; \
                     imported secrets need at least {MIN_SECRET_BITS}"
                ),
            ));
        }
    }
    Ok(())
}

/// An entry's URI, as otp-core parsed it.
type Parsed = std::result::Result<OtpauthUri, UriError>;

/// An entry's outcome: done, or refused.
type Refusable<T> = std::result::Result<T, Refusal>;

/// Why an entry was not imported; its message names no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The entry has no `user_id`.
    UserIdMissing,
    /// No user has this id or email.
    UserNotFound,
    /// The entry has no `otpauth_uri`.
    UriMissing,
    /// The URI is `otpauth://hotp/`.
    NotTotp,
    /// The URI does not parse.
    Uri(UriError),
    /// The URI's period is outside the connection's bounds.
    PeriodOutOfRange,
    /// The user has a factor (pending or active) and neither `replace` nor `add_factor` was
    /// set.
    ExistingFactor,
    /// `add_factor` for a user who holds [`MAX_FACTORS`] factors.
    FactorLimit,
    /// The entry's `friendly_name` is unacceptable (the message says why).
    FriendlyName(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserIdMissing => f.write_str("user_id is required"),
            Self::UserNotFound => f.write_str("user not found"),
            Self::UriMissing => f.write_str("otpauth_uri is required"),
            Self::NotTotp => f.write_str("only TOTP can be imported (otpauth://totp/)"),
            Self::Uri(error) => write!(f, "otpauth_uri: {error}"),
            Self::PeriodOutOfRange => write!(
                f,
                "otpauth_uri: period must be between {} and {} seconds",
                PERIODS.start(),
                PERIODS.end()
            ),
            Self::ExistingFactor => f.write_str(
                "the user already has a factor; set replace to change it, or add_factor to add \
                 one beside it",
            ),
            Self::FactorLimit => write!(f, "the user has {MAX_FACTORS} factors already"),
            Self::FriendlyName(message) => f.write_str(message),
        }
    }
}

impl Serialize for Refusal {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
