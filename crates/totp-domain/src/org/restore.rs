//! Loading an export into an empty organization, a line at a time and in batches of
//! [`BATCH`] rows per transaction, so a restore's memory stays flat whatever the export's size.
//! Rows go in as exported: secrets stay sealed (the deployment's sealing keys open them),
//! recovery codes stay hashes, and each user's failures, lockout, last accepted step and spent
//! codes come back as they were. Kept answers and webhook deliveries belong to the source's
//! requests and are skipped. While a restore runs, a marker row makes every other call answer
//! `restore_in_progress`; a failed restore deletes what it loaded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::model::Connection;
use crate::sql::{Sql, Statement, Value};

use super::audit::AuditKind;
use super::export::{BATCH, End, FORMAT, FORMAT_VERSION, Header, RowLine, TABLES};
use super::{OrgService, schema, store};

/// Tables an export carries that a restore leaves out: answers kept for the source's retries,
/// and the source's webhook deliveries (sending them again would duplicate them).
const SKIPPED: &[&str] = &["idempotency", "webhook_messages", "webhook_attempts"];

/// What a restore loaded.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreReport {
    /// The id of the organization the export came from.
    pub source_organization_id: String,
    /// The rows loaded, by table.
    pub restored: BTreeMap<String, u64>,
    /// The rows left out, by table (kept answers, webhook deliveries).
    pub skipped: BTreeMap<String, u64>,
}

enum Expect {
    Header,
    Rows,
    Nothing,
}

/// A restore under way: fed the export's lines in order.
pub struct Restore {
    expect: Expect,
    line: u64,
    columns: BTreeMap<&'static str, Vec<String>>,
    pending: Vec<Statement>,
    report: RestoreReport,
    connection: Connection,
}

fn refused(line: u64, message: impl std::fmt::Display) -> Error {
    Error::invalid("export", format!("line {line}: {message}"))
}

fn restored(table: &str) -> bool {
    TABLES.contains(&table) && !SKIPPED.contains(&table)
}

impl<S: Sql> OrgService<'_, S> {
    /// Whether a restore is under way (or died: the next restore starts over).
    pub fn restoring(&self) -> Result<bool> {
        Ok(store::restore_marker(self.sql)?.is_some())
    }

    /// Starts a restore into this organization: refused if it holds users, audit events or
    /// webhook endpoints, unless a restore that died left them (they are deleted). Its
    /// connection is replaced by the export's.
    pub fn begin_restore(&self) -> Result<Restore> {
        let connection = self.connection()?;
        if self.restoring()? {
            self.sql.commit(self.wipe(&connection))?;
        } else if store::holds_data(self.sql)? {
            return Err(Error::OrganizationNotEmpty);
        }
        let mut columns = BTreeMap::new();
        for table in TABLES.iter().copied().filter(|table| restored(table)) {
            columns.insert(table, store::columns(self.sql, table)?);
        }
        self.sql.commit(vec![store::mark_restore(self.now)])?;
        Ok(Restore {
            expect: Expect::Header,
            line: 0,
            columns,
            pending: Vec::new(),
            report: RestoreReport::default(),
            connection,
        })
    }

    /// Takes the next line of the export; every [`BATCH`] rows commit together.
    pub fn restore_line(&self, restore: &mut Restore, text: &str) -> Result<()> {
        restore.line += 1;
        let number = restore.line;
        if text.trim().is_empty() {
            return Ok(());
        }
        match restore.expect {
            Expect::Header => {
                let header: Header = serde_json::from_str(text)
                    .map_err(|_| refused(number, "is not an export's header"))?;
                if header.format != FORMAT || header.version != FORMAT_VERSION {
                    return Err(refused(number, "is not an export's header"));
                }
                if header.schema_version != schema::VERSION {
                    return Err(refused(
                        number,
                        format!(
                            "the export is of schema version {}; this build restores version {}",
                            header.schema_version,
                            schema::VERSION
                        ),
                    ));
                }
                restore.report.source_organization_id = header.organization.id;
                restore.expect = Expect::Rows;
            }
            Expect::Rows => {
                let json: Json = serde_json::from_str(text)
                    .map_err(|_| refused(number, "is not a JSON object"))?;
                if json.get("end").is_some() {
                    let end: End = serde_json::from_value(json)
                        .map_err(|_| refused(number, "is not an export's end line"))?;
                    self.check_counts(restore, &end)?;
                    restore.expect = Expect::Nothing;
                    return Ok(());
                }
                let row: RowLine = serde_json::from_value(json)
                    .map_err(|_| refused(number, "is not a row of an export"))?;
                self.take_row(restore, row)?;
            }
            Expect::Nothing => return Err(refused(number, "follows the export's end line")),
        }
        Ok(())
    }

    /// Ends a restore that received its end line: what is left commits with an audit event,
    /// and the organization answers again. Without the end line the restore is abandoned.
    pub fn finish_restore(&self, mut restore: Restore) -> Result<RestoreReport> {
        if !matches!(restore.expect, Expect::Nothing) {
            let line = restore.line;
            self.abandon_restore(restore)?;
            return Err(refused(
                line,
                "the export ends without its end line: it is incomplete",
            ));
        }
        let mut writes = std::mem::take(&mut restore.pending);
        writes.push(store::unmark_restore());
        writes.push(self.audit(
            AuditKind::OrganizationRestored,
            None,
            Some(restore.report.source_organization_id.clone()),
        ));
        self.sql.commit(writes)?;
        Ok(restore.report)
    }

    /// Deletes what a failed restore loaded and puts the connection back.
    pub fn abandon_restore(&self, restore: Restore) -> Result<()> {
        self.sql.commit(self.wipe(&restore.connection))
    }

    fn take_row(&self, restore: &mut Restore, line: RowLine) -> Result<()> {
        let number = restore.line;
        let table = line.table.as_str();
        if SKIPPED.contains(&table) {
            *restore.report.skipped.entry(line.table).or_default() += 1;
            return Ok(());
        }
        let Some((table, known)) = restore.columns.get_key_value(table) else {
            return Err(refused(number, "names no table of an export"));
        };
        let mut names = Vec::with_capacity(line.row.len());
        let mut values = Vec::with_capacity(line.row.len());
        for (column, value) in line.row {
            if !known.contains(&column) {
                return Err(refused(number, format!("{table} has no column {column:?}")));
            }
            values.push(match value {
                Json::Null => Value::Null,
                Json::String(text) => Value::Text(text),
                Json::Number(number) if number.is_i64() => {
                    Value::Integer(number.as_i64().unwrap_or_default())
                }
                _ => {
                    return Err(refused(
                        number,
                        format!("{table}.{column} is not a stored value"),
                    ));
                }
            });
            names.push(format!("\"{column}\""));
        }
        // The organization's connection exists already: the export's replaces it.
        let verb = if *table == "connection" {
            "INSERT OR REPLACE"
        } else {
            "INSERT"
        };
        let placeholders: Vec<String> = (1..=values.len()).map(|n| format!("?{n}")).collect();
        restore.pending.push(Statement::new(
            format!(
                "{verb} INTO {table} ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            ),
            values,
        ));
        *restore
            .report
            .restored
            .entry((*table).to_owned())
            .or_default() += 1;
        if restore.pending.len() >= BATCH as usize {
            self.sql.commit(std::mem::take(&mut restore.pending))?;
        }
        Ok(())
    }

    fn check_counts(&self, restore: &Restore, end: &End) -> Result<()> {
        for (table, count) in &end.counts {
            let report = &restore.report;
            let seen = report.restored.get(table).or(report.skipped.get(table));
            let seen = seen.copied().unwrap_or(0);
            if seen != *count {
                return Err(refused(
                    restore.line,
                    format!("the export is incomplete: {seen} of {count} rows of {table}"),
                ));
            }
        }
        Ok(())
    }

    /// The writes that empty what a restore loads, children first, and put `connection` back.
    fn wipe(&self, connection: &Connection) -> Vec<Statement> {
        let mut writes: Vec<Statement> = TABLES
            .iter()
            .rev()
            .filter(|table| restored(table) && **table != "connection")
            .map(|table| Statement::new(format!("DELETE FROM {table}"), vec![]))
            .collect();
        writes.push(store::save_connection(connection));
        writes.push(store::unmark_restore());
        writes
    }
}
