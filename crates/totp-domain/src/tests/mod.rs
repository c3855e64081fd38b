//! The service's rules natively, on bundled SQLite running the same schema and statements as
//! the Durable Object and D1, with time passed in. Split by area; `contract` holds the storage
//! guarantees every engine must give.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod challenges;
mod contract;
mod devices;
mod engines;
mod enrollment;
mod factors;
mod footprint;
mod idempotency;
mod import;
mod lifecycle;
mod lockout;
mod memory;
mod model;
mod organizations;
mod pages;
mod policy;
mod recovery;
mod reenrollment;
mod remembered;
mod restore;
mod security_state;
mod sms;
mod sqlite;
mod status;
mod tenants;
mod webhooks;

use otp_core::{OtpauthUri, Totp};

use crate::keys::Keys;
use crate::model::{Environment, Organization};
use crate::org::{ConnectionUpdate, EnrollmentCreated, NewUser, OrgService};
use crate::sql::Remembering;
use sqlite::Sqlite;

/// Runs an async test body to completion; the SQLite engine never pends, so no runtime is needed.
pub fn run(test: impl std::future::Future<Output = ()>) {
    pollster::block_on(test)
}

/// A fixed instant: tests pass time in.
pub const T0: u64 = 1_800_000_000;

/// Keys for tests: fixed, so failures reproduce. `k2` seals; `k1` still opens.
pub fn keys() -> Keys {
    keys_with("k2:2,k1:1")
}

/// Keys whose sealing keys are `id:byte` pairs (each key 32 times that byte), first sealing.
pub fn keys_with(sealing: &str) -> Keys {
    keys_for(sealing, 4, "e1:5")
}

/// Keys from `id:byte` lists for sealing and email lookup (current first) and the recovery
/// key's byte; each key is 32 times its byte.
pub fn keys_for(sealing: &str, recovery: u8, email_lookup: &str) -> Keys {
    use base64::Engine;
    let key = |byte: u8| base64::engine::general_purpose::STANDARD.encode([byte; 32]);
    let list = |pairs: &str| -> String {
        pairs
            .split(',')
            .map(|entry| {
                let (id, byte) = entry.split_once(':').unwrap();
                format!("{id}:{}", key(byte.parse().unwrap()))
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    Keys::from_config(crate::keys::KeyConfig {
        sealing: &list(sealing),
        signing: &key(3),
        recovery: &key(recovery),
        email_lookup: &list(email_lookup),
    })
    .unwrap()
}

/// One organization's database, opened as its object opens it.
pub struct Org {
    /// As the object holds it: reads of the connection are kept between calls.
    pub db: Remembering<Sqlite>,
    pub keys: Keys,
    pub organization: Organization,
}

impl Org {
    /// A new organization with an inactive connection.
    pub fn new() -> Self {
        let org = Self {
            db: Remembering::new(Sqlite::open()),
            keys: keys(),
            organization: Organization {
                id: "org-1".into(),
                domain: "communitiz-app".into(),
                name: "Communitiz App".into(),
                email_domains: vec!["communitiz.app".into()],
                environment: Environment::Sandbox,
                created_at: T0,
                account_id: "acc-1".into(),
            },
        };
        org.at(T0).open().unwrap();
        org
    }

    /// The organization's operations at `now`.
    pub fn at(&self, now: u64) -> OrgService<'_, Remembering<Sqlite>> {
        OrgService::new(&self.db, &self.keys, &self.organization, now)
    }

    /// Changes the connection.
    pub fn configure(&self, update: ConnectionUpdate) {
        self.at(T0).update_connection(update).unwrap();
    }

    /// An active connection and one user; the user's id.
    pub fn with_user(&self) -> String {
        self.configure(ConnectionUpdate {
            active: Some(true),
            ..Default::default()
        });
        self.user("emilie@communitiz-app.co")
    }

    /// Switches the connection to the SMS method.
    pub fn on_sms(&self) {
        self.configure(ConnectionUpdate {
            method: Some("sms".into()),
            ..Default::default()
        });
    }

    /// Creates a user; its id.
    pub fn user(&self, email: &str) -> String {
        let new = NewUser {
            email: Some(email.into()),
            ..Default::default()
        };
        self.at(T0).create_user(new).unwrap().id
    }

    /// A user with a pending enrollment.
    pub fn enrolled(&self) -> (String, Totp, EnrollmentCreated) {
        let user = self.with_user();
        let created = self.at(T0).enroll(&user, false).unwrap();
        (user, totp_of(&created), created)
    }

    /// A user with a validated factor and its recovery codes.
    pub fn active(&self) -> (String, Totp, Vec<String>) {
        let (user, totp, created) = self.enrolled();
        let result = self
            .at(T0)
            .validate_enrollment(&user, totp.generate(T0).as_str())
            .unwrap();
        assert!(result.success);
        (user, totp, recovery_codes(&created))
    }

    /// The user's factor as stored.
    pub fn factor(&self, user: &str) -> crate::factor::Factor {
        crate::org::store::factor(&self.db, user).unwrap().unwrap()
    }

    /// The user's guard as stored.
    pub fn guard(&self, user: &str) -> crate::guard::Guard {
        crate::org::store::guard(&self.db, user).unwrap()
    }
}

/// The TOTP of an app enrollment's URI.
pub fn totp_of(created: &EnrollmentCreated) -> Totp {
    OtpauthUri::parse(created.otpauth_uri.as_deref().unwrap())
        .unwrap()
        .totp()
        .unwrap()
}

/// The recovery codes an enrollment issued.
pub fn recovery_codes(created: &EnrollmentCreated) -> Vec<String> {
    created
        .recovery_codes
        .as_deref()
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A code of the same length that is not `code`.
pub fn wrong(code: &str) -> String {
    let width = code.len();
    let modulus = 10u32.pow(width as u32);
    format!("{:0width$}", (code.parse::<u32>().unwrap() + 1) % modulus)
}

/// An organization's export, read back: its header, and each table's rows (every table of
/// the export present, empty or not).
pub struct Exported {
    pub header: crate::org::export::Header,
    pub tables: serde_json::Map<String, serde_json::Value>,
}

/// The chunks of an export of `db`, at most 10,000 (an export that never ends fails a test
/// instead of hanging it).
pub fn chunks<'a>(
    mut exporter: crate::org::export::Exporter,
    db: &'a impl crate::sql::Sql,
) -> impl Iterator<Item = String> + 'a {
    std::iter::from_fn(move || exporter.next_chunk(db).unwrap()).take(10_000)
}

/// The export of `org`, as the operator's stream writes it.
pub fn export(org: &Org) -> Exported {
    use crate::org::export::{Exporter, RowLine, TABLES};
    let exporter = Exporter::new(org.organization.clone(), T0);
    let mut lines = Vec::new();
    for chunk in chunks(exporter, &org.db) {
        lines.extend(chunk.lines().map(str::to_owned));
    }
    let header = serde_json::from_str(&lines[0]).unwrap();
    let mut tables: serde_json::Map<String, serde_json::Value> = TABLES
        .iter()
        .map(|table| ((*table).to_owned(), serde_json::Value::Array(Vec::new())))
        .collect();
    for line in &lines[1..lines.len() - 1] {
        let row: RowLine = serde_json::from_str(line).unwrap();
        let rows = tables[&row.table].as_array_mut().unwrap();
        rows.push(serde_json::Value::Object(row.row));
    }
    assert!(lines.last().unwrap().starts_with("{\"end\":true"));
    Exported { header, tables }
}

/// Every text value of `table` as stored, and decoded where it is base64 (how storage writes
/// binary values), so a scan sees what a blob holds.
pub fn stored_bytes(org: &Org, table: &str) -> Vec<String> {
    let rows = export(org).tables[table].clone();
    let texts = rows
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_object().unwrap().values())
        .filter_map(|value| value.as_str().map(str::to_owned));
    readable(texts)
}

/// Each text, and what it decodes to where it is base64.
pub fn readable(texts: impl IntoIterator<Item = String>) -> Vec<String> {
    use base64::Engine;
    let mut found = Vec::new();
    for text in texts {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&text) {
            found.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        found.push(text);
    }
    found
}

/// Whether any of `stored` holds `needle`.
pub fn holds(stored: &[String], needle: &str) -> bool {
    stored.iter().any(|text| text.contains(needle))
}
