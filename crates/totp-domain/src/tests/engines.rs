//! The storage contract (`sql::contract`) against engines: bundled SQLite keeps it, and each
//! way an engine can break it is caught, named, by the check written for it.

use serde::de::DeserializeOwned;

use super::run;
use super::sqlite::Sqlite;
use crate::error::Error;
use crate::sql::contract::{check, check_control};
use crate::sql::{ControlDb, Sql, Statement, Value};

/// Bundled SQLite with every statement rewritten on its way in: a stand-in for an engine that
/// gets one thing wrong.
struct Rewriting {
    db: Sqlite,
    rewrite: fn(Statement) -> Statement,
}

impl Rewriting {
    fn new(rewrite: fn(Statement) -> Statement) -> Self {
        Self {
            db: Sqlite::open(),
            rewrite,
        }
    }
}

impl Sql for Rewriting {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>, Error> {
        Sql::rows(&self.db, &(self.rewrite)(query.clone()))
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<(), Error> {
        self.db
            .commit(writes.into_iter().map(self.rewrite).collect())
    }
}

/// Bundled SQLite, committing each write on its own: what an engine without transactions does.
struct WriteByWrite(Sqlite);

impl Sql for WriteByWrite {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>, Error> {
        Sql::rows(&self.0, query)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<(), Error> {
        writes
            .into_iter()
            .try_for_each(|write| self.0.commit(vec![write]))
    }
}

/// Bundled SQLite that reports no changed rows, as a driver that drops the count would.
struct CountsNothing(Sqlite);

impl ControlDb for CountsNothing {
    async fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>, Error> {
        ControlDb::rows(&self.0, query).await
    }

    async fn run(&self, write: &Statement) -> Result<u64, Error> {
        ControlDb::run(&self.0, write).await.map(|_| 0)
    }

    async fn batch(&self, writes: Vec<Statement>) -> Result<(), Error> {
        ControlDb::batch(&self.0, writes).await
    }
}

fn broken(engine: &impl Sql) -> String {
    check(engine).expect_err("the broken engine passed the contract")
}

#[test]
fn bundled_sqlite_keeps_the_storage_contract() {
    check(&Sqlite::open()).unwrap();
}

#[test]
fn bundled_sqlite_keeps_the_control_plane_contract() {
    run(async { check_control(&Sqlite::open()).await.unwrap() });
}

#[test]
fn an_engine_without_transactions_is_caught() {
    let why = broken(&WriteByWrite(Sqlite::open()));
    assert!(
        why.starts_with("a failed commit left part of its writes"),
        "{why}"
    );
}

#[test]
fn an_engine_that_loses_the_sign_of_integers_is_caught() {
    let why = broken(&Rewriting::new(|mut statement| {
        for value in &mut statement.params {
            if let Value::Integer(number) = value {
                *number = number.abs();
            }
        }
        statement
    }));
    assert!(why.starts_with("values changed on the way"), "{why}");
}

#[test]
fn an_engine_that_folds_text_is_caught() {
    let why = broken(&Rewriting::new(|mut statement| {
        for value in &mut statement.params {
            if let Value::Text(text) = value {
                *text = text.to_lowercase();
            }
        }
        statement
    }));
    assert!(why.starts_with("values changed on the way"), "{why}");
}

#[test]
fn an_engine_without_strict_tables_is_caught() {
    let why = broken(&Rewriting::new(|statement| {
        Statement::new(statement.sql.replace(") STRICT", ")"), statement.params)
    }));
    assert_eq!(why, "a STRICT INTEGER column took text");
}

#[test]
fn an_engine_that_ignores_the_order_asked_is_caught() {
    let why = broken(&Rewriting::new(|statement| {
        Statement::new(
            statement.sql.replace("ORDER BY id", "ORDER BY label"),
            statement.params,
        )
    }));
    assert!(why.starts_with("rows out of the order asked"), "{why}");
}

#[test]
fn an_engine_whose_writes_fail_is_named_by_its_own_error() {
    let why = broken(&Rewriting::new(|statement| {
        Statement::new(format!("{} nonsense", statement.sql), statement.params)
    }));
    assert!(why.starts_with("SQLite: "), "{why}");
}

#[test]
fn an_engine_that_drops_changed_row_counts_is_caught() {
    run(async {
        let why = check_control(&CountsNothing(Sqlite::open()))
            .await
            .expect_err("the broken engine passed the contract");
        assert!(why.contains("reported 0 rows changed, not 1"), "{why}");
    });
}
