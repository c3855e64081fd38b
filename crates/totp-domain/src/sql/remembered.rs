//! Reads kept between calls. A Durable Object serves its calls one at a time over storage that
//! nothing else writes, so the answer to a read stays true until one of its own statements names
//! the table it read. The connection is read by every call and written by few: its row is kept.

use std::any::Any;
use std::borrow::Cow;
use std::cell::RefCell;

use serde::de::DeserializeOwned;

use super::{Sql, Statement, Value};
use crate::error::Result;

/// An engine that keeps the answers of [`Sql::kept_rows`], each until a statement (a write, or
/// any other read) names its table. A failed write forgets too.
pub struct Remembering<S> {
    sql: S,
    /// A few answers at most (one per kind of read kept): a list is enough.
    answers: RefCell<Vec<Kept>>,
}

/// A kept answer: the read as asked (its SQL and arguments), the one table it came from, and
/// its rows as typed (a `Vec` of the read's row type).
struct Kept {
    sql: Cow<'static, str>,
    params: Vec<Value>,
    table: &'static str,
    rows: Box<dyn Any>,
}

impl<S> Remembering<S> {
    /// `sql`, remembering nothing yet.
    pub fn new(sql: S) -> Self {
        Self {
            sql,
            answers: RefCell::new(Vec::new()),
        }
    }

    /// The engine itself, for what [`Sql`] does not cover. Writes made through it are unseen
    /// here: [`Self::forget_all`] after them.
    pub fn engine(&self) -> &S {
        &self.sql
    }

    /// The engine, unwrapped.
    pub fn into_engine(self) -> S {
        self.sql
    }

    /// Forgets every answer: for storage changed without a statement (deleted whole).
    pub fn forget_all(&self) {
        self.answers.borrow_mut().clear();
    }

    /// Forgets the answers read from a table `sql` names.
    fn forget_named_in(&self, sql: &str) {
        let mut answers = self.answers.borrow_mut();
        if !answers.is_empty() {
            answers.retain(|kept| !names(sql, kept.table));
        }
    }
}

/// Whether `sql` names `table` anywhere, in any case: more often than it touches it, never less.
fn names(sql: &str, table: &str) -> bool {
    sql.as_bytes()
        .windows(table.len())
        .any(|window| window.eq_ignore_ascii_case(table.as_bytes()))
}

impl<S: Sql> Sql for Remembering<S> {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>> {
        self.forget_named_in(&query.sql);
        self.sql.rows(query)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<()> {
        for write in &writes {
            self.forget_named_in(&write.sql);
        }
        self.sql.commit(writes)
    }

    fn kept_rows<T: DeserializeOwned + Clone + 'static>(
        &self,
        query: &Statement,
        table: &'static str,
    ) -> Result<Vec<T>> {
        let asked = |kept: &Kept| {
            kept.table == table && kept.sql == query.sql && kept.params == query.params
        };
        let mut answers = self.answers.borrow_mut();
        let kept = answers.iter().find(|kept| asked(kept));
        if let Some(rows) = kept.and_then(|kept| kept.rows.downcast_ref::<Vec<T>>()) {
            return Ok(rows.clone());
        }
        let rows: Vec<T> = self.sql.rows(query)?;
        answers.retain(|kept| !asked(kept));
        answers.push(Kept {
            sql: query.sql.clone(),
            params: query.params.clone(),
            table,
            rows: Box::new(rows.clone()),
        });
        Ok(rows)
    }
}
