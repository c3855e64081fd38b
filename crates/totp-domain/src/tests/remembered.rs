//! The connection's row kept between calls: never an answer a statement since has changed.

use std::cell::Cell;

use serde::de::DeserializeOwned;

use super::sqlite::Sqlite;
use super::{Org, T0};
use crate::error::Error;
use crate::org::{ConnectionUpdate, store};
use crate::sql::{Remembering, Sql, Statement};
use crate::stmt;

/// Bundled SQLite that counts the reads reaching it.
struct Counting {
    db: Sqlite,
    reads: Cell<usize>,
}

impl Sql for Counting {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>, Error> {
        self.reads.set(self.reads.get() + 1);
        self.db.rows(query)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<(), Error> {
        self.db.commit(writes)
    }
}

/// An opened organization's database under a memo, and a read of its connection.
fn remembering() -> Remembering<Counting> {
    let db = Remembering::new(Counting {
        db: Org::new().db.into_engine(),
        reads: Cell::new(0),
    });
    store::connection(&db).unwrap().unwrap();
    db
}

/// How many reads of the connection reach the engine.
fn engine_reads(db: &Remembering<Counting>) -> usize {
    let before = db.engine().reads.get();
    store::connection(db).unwrap();
    db.engine().reads.get() - before
}

#[test]
fn a_kept_read_is_answered_without_the_engine_until_a_write_names_its_table() {
    let db = remembering();
    assert_eq!(engine_reads(&db), 0);
    // Writes elsewhere keep it.
    db.commit(vec![stmt!(
        "INSERT INTO counters (name, value) VALUES ('x', 1)"
    )])
    .unwrap();
    assert_eq!(engine_reads(&db), 0);
    // A write naming the table, in any case, forgets it; the next read is kept again.
    db.commit(vec![stmt!("UPDATE CONNECTION SET max_attempts = 7")])
        .unwrap();
    assert_eq!(engine_reads(&db), 1);
    assert_eq!(store::connection(&db).unwrap().unwrap().max_attempts, 7);
    assert_eq!(engine_reads(&db), 0);
}

#[test]
fn each_read_is_kept_apart_by_its_sql_and_arguments() {
    let db = remembering();
    let read = |sql: &'static str, value: i64| -> i64 {
        let rows: Vec<serde_json::Value> = db.kept_rows(&stmt!(sql, value), "connection").unwrap();
        rows[0]["v"].as_i64().unwrap()
    };
    let one = "SELECT ?1 AS v FROM connection";
    let other = "SELECT ?1 + 1 AS v FROM connection";
    assert_eq!([read(one, 1), read(one, 2), read(other, 1)], [1, 2, 2]);
    // All three kept side by side: asked again, none reaches the engine.
    let before = db.engine().reads.get();
    assert_eq!([read(one, 1), read(one, 2), read(other, 1)], [1, 2, 2]);
    assert_eq!(db.engine().reads.get(), before);
}

#[test]
fn a_failed_write_or_any_other_read_naming_the_table_forgets_too() {
    let db = remembering();
    let failed = db.commit(vec![
        stmt!("UPDATE connection SET max_attempts = 9"),
        stmt!("INSERT INTO no_such_table VALUES (1)"),
    ]);
    assert!(failed.is_err());
    assert_eq!(engine_reads(&db), 1);
    assert_eq!(store::connection(&db).unwrap().unwrap().max_attempts, 5);
    let _: Vec<serde_json::Value> = db
        .rows(&stmt!("SELECT name FROM pragma_table_info('connection')"))
        .unwrap();
    assert_eq!(engine_reads(&db), 1);
}

#[test]
fn forgetting_everything_reads_storage_again() {
    let db = remembering();
    db.engine()
        .db
        .execute_batch("UPDATE connection SET max_attempts = 11");
    // Written beneath the memo: unseen until told.
    assert_eq!(store::connection(&db).unwrap().unwrap().max_attempts, 5);
    db.forget_all();
    assert_eq!(store::connection(&db).unwrap().unwrap().max_attempts, 11);
}

#[test]
fn an_update_through_the_service_is_seen_by_the_next_call() {
    let org = Org::new();
    let update = |max_attempts| ConnectionUpdate {
        active: Some(true),
        max_attempts: Some(max_attempts),
        ..Default::default()
    };
    org.configure(update(3));
    assert_eq!(org.at(T0).connection().unwrap().max_attempts, 3);
    org.configure(update(4));
    assert_eq!(org.at(T0 + 1).connection().unwrap().max_attempts, 4);
}

#[test]
fn no_trigger_writes_the_connection_behind_a_statement() {
    // A trigger's writes are named by no statement the memo sees.
    let org = Org::new();
    let triggers: Vec<serde_json::Value> = org
        .db
        .rows(&stmt!(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
        ))
        .unwrap();
    assert!(!triggers.is_empty());
    for trigger in triggers {
        let sql = trigger["sql"].as_str().unwrap().to_ascii_lowercase();
        assert!(!sql.contains("connection"), "{sql}");
    }
}
