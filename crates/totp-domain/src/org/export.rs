//! The operator's export of an organization, as NDJSON: a header line (the format, the schema
//! version, the organization, each table's rows when the export began), one line per row table
//! by table, then an end line with the rows written. Rows are read in batches by rowid, so an
//! export's memory stays flat whatever the organization's size. Sealed secrets, hashes and
//! sealed profiles are exported as stored; nothing is opened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::model::Organization;
use crate::sql::{Count, Sql, Statement};
use crate::stmt;

use super::schema;

/// The `format` of the header line.
pub const FORMAT: &str = "headless-totp-export";

/// The version of the line format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Rows read, and written as one chunk, at a time.
pub const BATCH: u32 = 500;

/// The tables of an export, parents before the rows that reference them.
pub const TABLES: &[&str] = &[
    "connection",
    "users",
    "guards",
    "factors",
    "recovery_codes",
    "challenges",
    "trusted_devices",
    "webhook_endpoints",
    "webhook_messages",
    "webhook_attempts",
    "idempotency",
    "audit_events",
];

/// The first line of an export.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExportHeader))]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The line format's version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// The schema version of the rows.
    pub schema_version: u32,
    /// The organization exported, as its directory names it.
    pub organization: Organization,
    /// Unix seconds.
    pub exported_at: u64,
    /// Each table's rows when the export began (an organization serving traffic meanwhile may
    /// end with other numbers: the end line has the rows written).
    pub counts: BTreeMap<String, u64>,
}

/// The line of one row.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExportRow))]
pub struct RowLine {
    /// Its table.
    pub table: String,
    /// Its columns as stored (binary values in base64).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub row: Map<String, Json>,
}

/// The last line of an export: without it an export is incomplete.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExportEnd))]
pub struct End {
    /// Always true.
    pub end: bool,
    /// The rows written of each table.
    pub counts: BTreeMap<String, u64>,
}

enum Stage {
    Header,
    Rows { table: usize, after: i64 },
    End,
    Done,
}

/// An export being written, a chunk at a time.
pub struct Exporter {
    organization: Organization,
    now: u64,
    stage: Stage,
    written: BTreeMap<String, u64>,
}

/// The name of the rowid column a batch reads (never a column of a table).
const ROWID: &str = "_export_rowid";

fn line(value: &impl Serialize, out: &mut String) -> Result<()> {
    out.push_str(&serde_json::to_string(value).map_err(Error::internal)?);
    out.push('\n');
    Ok(())
}

impl Exporter {
    /// The export of `organization`'s database, as of Unix second `now`.
    pub fn new(organization: Organization, now: u64) -> Self {
        Self {
            organization,
            now,
            stage: Stage::Header,
            written: BTreeMap::new(),
        }
    }

    /// The next lines: the header, a batch of at most [`BATCH`] rows, or the end line; `None`
    /// once the end line was given.
    pub fn next_chunk(&mut self, sql: &impl Sql) -> Result<Option<String>> {
        let mut out = String::new();
        loop {
            match self.stage {
                Stage::Header => {
                    let mut counts = BTreeMap::new();
                    for table in TABLES {
                        let query = Statement::new(
                            format!("SELECT count(*) AS count FROM {table}"),
                            vec![],
                        );
                        let count = sql.row::<Count>(&query)?.map_or(0, |row| row.count);
                        counts.insert((*table).to_owned(), count);
                    }
                    let header = Header {
                        format: FORMAT.into(),
                        version: FORMAT_VERSION,
                        schema_version: schema::version(sql)?,
                        organization: self.organization.clone(),
                        exported_at: self.now,
                        counts,
                    };
                    line(&header, &mut out)?;
                    self.stage = Stage::Rows {
                        table: 0,
                        after: i64::MIN,
                    };
                    return Ok(Some(out));
                }
                Stage::Rows { table, .. } if table == TABLES.len() => self.stage = Stage::End,
                Stage::Rows { table, after } => {
                    let name = TABLES[table];
                    let query = stmt!(
                        format!(
                            "SELECT rowid AS {ROWID}, * FROM {name} WHERE rowid > ?1 \
                             ORDER BY rowid LIMIT ?2"
                        ),
                        after,
                        BATCH
                    );
                    let rows: Vec<Map<String, Json>> = sql.rows(&query)?;
                    let Some(last) = rows.last().and_then(|row| row[ROWID].as_i64()) else {
                        self.stage = Stage::Rows {
                            table: table + 1,
                            after: i64::MIN,
                        };
                        continue;
                    };
                    *self.written.entry(name.to_owned()).or_default() += rows.len() as u64;
                    for mut row in rows {
                        row.remove(ROWID);
                        let row = RowLine {
                            table: name.to_owned(),
                            row,
                        };
                        line(&row, &mut out)?;
                    }
                    self.stage = Stage::Rows { table, after: last };
                    return Ok(Some(out));
                }
                Stage::End => {
                    let counts = TABLES
                        .iter()
                        .map(|table| {
                            let written = self.written.get(*table).copied().unwrap_or(0);
                            ((*table).to_owned(), written)
                        })
                        .collect();
                    line(&End { end: true, counts }, &mut out)?;
                    self.stage = Stage::Done;
                    return Ok(Some(out));
                }
                Stage::Done => return Ok(None),
            }
        }
    }
}
