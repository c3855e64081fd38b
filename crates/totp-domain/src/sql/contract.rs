//! What the rules take for granted of their storage, written once and checked against every
//! engine: [`check`] for an organization's [`Sql`] (bundled SQLite natively, a Durable Object's
//! storage on workerd), [`check_control`] for the control plane's [`ControlDb`] (bundled SQLite
//! natively, D1 on workerd); the workerd checks run in the test build only. An engine that
//! breaks one of these breaks single use, lockout, unique accounts or idempotency claims
//! without any rule changing.

use serde::Deserialize;

use super::{ControlDb, Sql, Value};
use crate::stmt;

const TABLE: &str = "CREATE TABLE contract_probe (\
     id INTEGER PRIMARY KEY, \
     label TEXT NOT NULL UNIQUE, \
     amount INTEGER, \
     note TEXT\
     ) STRICT";

/// The largest integer every engine stores exactly: a Durable Object binds numbers through
/// JavaScript, whose doubles hold integers exactly up to 2^53 − 1 (a larger one arrives as a
/// REAL, which a STRICT INTEGER column refuses). The rules store none larger: times, counts and
/// bounded settings.
pub const MAX_EXACT: i64 = 9_007_199_254_740_991; // JavaScript's Number.MAX_SAFE_INTEGER

#[derive(Debug, PartialEq, Eq, Deserialize)]
struct Probe {
    // Declared in another order than the table: rows are read by column name.
    note: Option<String>,
    amount: Option<i64>,
    label: String,
    id: i64,
}

/// Checks every guarantee on a scratch table of `sql`, dropped again at the end; the first
/// broken guarantee, named. The engine must hold no table named `contract_probe`.
pub fn check(sql: &impl Sql) -> Result<(), String> {
    sql.commit(vec![stmt!(TABLE)]).map_err(described)?;
    let outcome = guarantees(sql);
    sql.commit(vec![stmt!("DROP TABLE contract_probe")])
        .map_err(described)?;
    outcome
}

fn guarantees(sql: &impl Sql) -> Result<(), String> {
    values_come_back_as_written(sql)?;
    a_commit_is_all_or_nothing(sql)?;
    strict_tables_refuse_other_types(sql)?;
    rows_come_in_the_order_asked(sql)
}

fn described(error: crate::error::Error) -> String {
    match error {
        crate::error::Error::Internal(detail) => detail,
        other => other.to_string(),
    }
}

fn probes(sql: &impl Sql) -> Result<Vec<Probe>, String> {
    sql.rows(&stmt!(
        "SELECT id, label, amount, note FROM contract_probe ORDER BY id"
    ))
    .map_err(described)
}

fn insert(id: i64, label: &str, amount: impl Into<Value>) -> super::Statement {
    stmt!(
        "INSERT INTO contract_probe (id, label, amount) VALUES (?1, ?2, ?3)",
        id,
        label,
        amount.into()
    )
}

fn values_come_back_as_written(sql: &impl Sql) -> Result<(), String> {
    let texts = ["", "it's", "é 😀 \u{212A}", "line\nbreak", "%_\\"];
    let amounts = [Some(-MAX_EXACT), Some(0), Some(1), Some(MAX_EXACT), None];
    let mut writes = Vec::new();
    for (id, (text, amount)) in (1..).zip(texts.iter().zip(amounts)) {
        writes.push(insert(id, &format!("v{id}"), amount));
        // The same placeholder twice: ?1 binds both.
        writes.push(stmt!(
            "UPDATE contract_probe SET note = ?1 WHERE id = ?2 AND ?1 = ?1",
            *text,
            id
        ));
    }
    writes.push(stmt!(
        "UPDATE contract_probe SET note = ?1 WHERE id = 5",
        Value::Null
    ));
    sql.commit(writes).map_err(described)?;
    let expected: Vec<Probe> = (1..)
        .zip(texts.iter().zip(amounts))
        .map(|(id, (text, amount))| Probe {
            id,
            label: format!("v{id}"),
            amount,
            note: (id != 5).then(|| (*text).to_owned()),
        })
        .collect();
    let found = probes(sql)?;
    if found != expected {
        return Err(format!(
            "values changed on the way: wrote {expected:?}, read {found:?}"
        ));
    }
    let missing: Option<Probe> = sql
        .row(&stmt!(
            "SELECT id, label, amount, note FROM contract_probe WHERE id = 99"
        ))
        .map_err(described)?;
    if missing.is_some() {
        return Err("a query with no row answered one".into());
    }
    sql.commit(vec![stmt!("DELETE FROM contract_probe")])
        .map_err(described)
}

fn a_commit_is_all_or_nothing(sql: &impl Sql) -> Result<(), String> {
    sql.commit(vec![insert(1, "kept", 1i64)])
        .map_err(described)?;
    let batch = vec![
        stmt!("UPDATE contract_probe SET amount = 2 WHERE id = 1"),
        insert(2, "new", 2i64),
        // Breaks UNIQUE(label): the whole batch must go.
        insert(3, "kept", 3i64),
    ];
    if sql.commit(batch).is_ok() {
        return Err("a commit whose last write breaks a constraint succeeded".into());
    }
    let found = probes(sql)?;
    let untouched = vec![Probe {
        id: 1,
        label: "kept".into(),
        amount: Some(1),
        note: None,
    }];
    if found != untouched {
        return Err(format!(
            "a failed commit left part of its writes: {found:?}"
        ));
    }
    sql.commit(Vec::new()).map_err(described)?;
    sql.commit(vec![stmt!("DELETE FROM contract_probe")])
        .map_err(described)
}

fn strict_tables_refuse_other_types(sql: &impl Sql) -> Result<(), String> {
    if sql.commit(vec![insert(1, "typed", "twelve")]).is_ok() {
        return Err("a STRICT INTEGER column took text".into());
    }
    if !probes(sql)?.is_empty() {
        return Err("a refused write left a row".into());
    }
    Ok(())
}

fn rows_come_in_the_order_asked(sql: &impl Sql) -> Result<(), String> {
    let writes = (1..=50)
        .rev()
        .map(|id| insert(id, &format!("r{id}"), id))
        .collect();
    sql.commit(writes).map_err(described)?;
    let ids: Vec<i64> = probes(sql)?.into_iter().map(|probe| probe.id).collect();
    if ids != (1..=50).collect::<Vec<_>>() {
        return Err(format!("rows out of the order asked: {ids:?}"));
    }
    sql.commit(vec![stmt!("DELETE FROM contract_probe")])
        .map_err(described)
}

/// Checks the control plane's guarantees on a scratch table of `db`, dropped again at the end;
/// the first broken one, named. The engine must hold no table named `contract_probe`.
pub async fn check_control(db: &impl ControlDb) -> Result<(), String> {
    db.run(&stmt!(TABLE)).await.map_err(described)?;
    let outcome = control_guarantees(db).await;
    db.run(&stmt!("DROP TABLE contract_probe"))
        .await
        .map_err(described)?;
    outcome
}

async fn control_guarantees(db: &impl ControlDb) -> Result<(), String> {
    // Unique accounts and idempotency claims read "did my insert happen" from the count.
    let counts = [
        (insert(1, "a", MAX_EXACT), 1),
        (insert(2, "b", -MAX_EXACT), 1),
        (insert(3, "c", Value::Null), 1),
        (
            stmt!("INSERT OR IGNORE INTO contract_probe (id, label) VALUES (4, 'a')"),
            0,
        ),
        (
            stmt!("UPDATE contract_probe SET note = ?1 WHERE id < 3", "é 😀"),
            2,
        ),
        (stmt!("DELETE FROM contract_probe WHERE id = 99"), 0),
    ];
    for (write, expected) in counts {
        let changed = db.run(&write).await.map_err(described)?;
        if changed != expected {
            return Err(format!(
                "{} reported {changed} rows changed, not {expected}",
                write.sql
            ));
        }
    }
    if db.run(&insert(5, "typed", "twelve")).await.is_ok() {
        return Err("a STRICT INTEGER column took text".into());
    }
    if db.run(&insert(6, "a", 1i64)).await.is_ok() {
        return Err("a write breaking UNIQUE succeeded".into());
    }
    let found: Vec<Probe> = db
        .rows(&stmt!(
            "SELECT id, label, amount, note FROM contract_probe ORDER BY id"
        ))
        .await
        .map_err(described)?;
    let expected = vec![
        probe(1, "a", Some(MAX_EXACT), Some("é 😀")),
        probe(2, "b", Some(-MAX_EXACT), Some("é 😀")),
        probe(3, "c", None, None),
    ];
    if found != expected {
        return Err(format!("wrote {expected:?}, read {found:?}"));
    }
    Ok(())
}

fn probe(id: i64, label: &str, amount: Option<i64>, note: Option<&str>) -> Probe {
    Probe {
        id,
        label: label.into(),
        amount,
        note: note.map(Into::into),
    }
}
