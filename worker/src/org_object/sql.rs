//! The object's SQLite storage behind [`Sql`]. Reads are plain `exec`s; a commit runs its
//! writes inside `transactionSync`, which rolls every one of them back if any fails.

use std::cell::RefCell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use totp_domain::error::{Error, Result};
use totp_domain::sql::{Sql, Statement, Value};
use worker::js_sys::{Function, Reflect};
use worker::wasm_bindgen::closure::Closure;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{SqlStorage, SqlStorageValue};

/// A Durable Object's SQL storage and the storage object that owns its transactions.
#[derive(Clone)]
pub struct ObjectSql {
    sql: SqlStorage,
    storage: JsValue,
}

impl ObjectSql {
    /// The SQL of `storage` (the object's `ctx.storage`).
    pub fn new(sql: SqlStorage, storage: JsValue) -> Self {
        Self { sql, storage }
    }
}

fn bindings(statement: &Statement) -> Vec<SqlStorageValue> {
    statement
        .params
        .iter()
        .map(|value| match value {
            Value::Null => SqlStorageValue::Null,
            Value::Integer(value) => SqlStorageValue::Integer(*value),
            Value::Text(value) => SqlStorageValue::String(value.clone()),
        })
        .collect()
}

/// SQLite's error text may quote SQL: it goes to the log only, via `Internal`.
fn failed(error: impl std::fmt::Display) -> Error {
    Error::internal(format!("object storage: {error}"))
}

fn run_all(sql: &SqlStorage, writes: &[Statement]) -> std::result::Result<(), String> {
    for write in writes {
        sql.exec(write.sql.as_ref(), bindings(write))
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

impl Sql for ObjectSql {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>> {
        self.sql
            .exec(query.sql.as_ref(), bindings(query))
            .and_then(|cursor| cursor.to_array())
            .map_err(failed)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<()> {
        let transaction: Function =
            Reflect::get(&self.storage, &JsValue::from_str("transactionSync"))
                .ok()
                .and_then(|value| value.dyn_into().ok())
                .ok_or_else(|| failed("transactionSync is not available"))?;
        // The callback must own what it runs; its failure is kept here and rethrown to JS so
        // the transaction rolls back.
        let sql = self.sql.clone();
        let failure = Rc::new(RefCell::new(None));
        let seen = Rc::clone(&failure);
        let callback = Closure::once(move || -> std::result::Result<(), JsValue> {
            run_all(&sql, &writes).map_err(|error| {
                let thrown = JsValue::from_str("write failed");
                *seen.borrow_mut() = Some(error);
                thrown
            })
        });
        let outcome = transaction.call1(&self.storage, callback.as_ref().unchecked_ref());
        match (outcome, failure.borrow_mut().take()) {
            (Ok(_), None) => Ok(()),
            (_, Some(error)) => Err(failed(error)),
            (Err(error), None) => Err(failed(format!("{error:?}"))),
        }
    }
}
