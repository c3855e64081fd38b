//! Bundled SQLite behind the same seams as the Worker's engines: [`Sql`] as a Durable Object's
//! storage (synchronous, one transaction per commit) and [`ControlDb`] as D1.

use std::cell::RefCell;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::sql::{ControlDb, Sql, Statement, Value};

/// An in-memory SQLite database.
pub struct Sqlite {
    connection: RefCell<Connection>,
}

fn failed(error: rusqlite::Error) -> Error {
    Error::internal(format!("SQLite: {error}"))
}

fn bind(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(value) => rusqlite::types::Value::Integer(*value),
        Value::Text(value) => rusqlite::types::Value::Text(value.clone()),
    }
}

impl Sqlite {
    /// An empty database, with foreign keys enforced as in D1 and Durable Objects.
    pub fn open() -> Self {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .pragma_update(None, "foreign_keys", true)
            .unwrap();
        Self {
            connection: RefCell::new(connection),
        }
    }

    /// Runs SQL as given (test setup only).
    pub fn execute_batch(&self, sql: &str) {
        self.connection.borrow().execute_batch(sql).unwrap();
    }

    fn query<T: DeserializeOwned>(connection: &Connection, query: &Statement) -> Result<Vec<T>> {
        let mut prepared = connection.prepare(&query.sql).map_err(failed)?;
        let names: Vec<String> = prepared
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut rows = prepared
            .query(params_from_iter(query.params.iter().map(bind)))
            .map_err(failed)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(failed)? {
            let mut object = serde_json::Map::new();
            for (index, name) in names.iter().enumerate() {
                let value = match row.get_ref(index).map_err(failed)? {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(value) => value.into(),
                    ValueRef::Real(value) => value.into(),
                    ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned().into(),
                    ValueRef::Blob(_) => return Err(Error::internal("unexpected blob column")),
                };
                object.insert(name.clone(), value);
            }
            out.push(serde_json::from_value(object.into()).map_err(Error::internal)?);
        }
        Ok(out)
    }

    fn execute(connection: &Connection, write: &Statement) -> Result<u64> {
        let changed = connection
            .execute(&write.sql, params_from_iter(write.params.iter().map(bind)))
            .map_err(failed)?;
        Ok(changed as u64)
    }
}

impl Sql for Sqlite {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>> {
        Self::query(&self.connection.borrow(), query)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<()> {
        let mut connection = self.connection.borrow_mut();
        let transaction = connection.transaction().map_err(failed)?;
        for write in &writes {
            Self::execute(&transaction, write)?;
        }
        transaction.commit().map_err(failed)
    }
}

impl ControlDb for Sqlite {
    async fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>> {
        Self::query(&self.connection.borrow(), query)
    }

    async fn run(&self, write: &Statement) -> Result<u64> {
        Self::execute(&self.connection.borrow(), write)
    }

    async fn batch(&self, writes: Vec<Statement>) -> Result<()> {
        Sql::commit(self, writes)
    }
}
