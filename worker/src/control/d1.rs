//! D1 behind [`ControlDb`]: one prepared statement per call, each counted for the request's
//! log line (a warm validation makes none).

use std::cell::Cell;

use serde::de::DeserializeOwned;
use totp_domain::error::{Error, Result};
use totp_domain::sql::{ControlDb, Statement, Value};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

/// The `DB` binding, with a count of the queries sent through it for one request.
pub struct D1 {
    env: Env,
    queries: Cell<u32>,
}

impl D1 {
    /// The database bound as `DB` in `env`, reached on first use.
    pub fn new(env: &Env) -> Self {
        Self {
            env: env.clone(),
            queries: Cell::new(0),
        }
    }

    /// Queries sent so far.
    pub fn queries(&self) -> u32 {
        self.queries.get()
    }

    fn prepare(&self, statement: &Statement) -> Result<D1PreparedStatement> {
        self.queries.set(self.queries.get() + 1);
        let db: D1Database = self.env.d1("DB").map_err(storage_error)?;
        let params: Vec<JsValue> = statement.params.iter().map(js_value).collect();
        db.prepare(statement.sql.as_ref())
            .bind(&params)
            .map_err(storage_error)
    }
}

/// D1's error text is verbose and may quote SQL: it goes to the log only, via `Internal`.
fn storage_error(error: worker::Error) -> Error {
    Error::internal(format!("D1: {error}"))
}

fn js_value(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Integer(value) => JsValue::from_f64(*value as f64),
        Value::Text(value) => JsValue::from_str(value),
    }
}

impl ControlDb for D1 {
    async fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>> {
        let result = self.prepare(query)?.all().await.map_err(storage_error)?;
        result.results().map_err(storage_error)
    }

    async fn batch(&self, writes: Vec<Statement>) -> Result<()> {
        let statements = writes
            .iter()
            .map(|write| self.prepare(write))
            .collect::<Result<Vec<_>>>()?;
        let db: D1Database = self.env.d1("DB").map_err(storage_error)?;
        db.batch(statements).await.map_err(storage_error)?;
        Ok(())
    }

    async fn run(&self, write: &Statement) -> Result<u64> {
        let result = self.prepare(write)?.run().await.map_err(storage_error)?;
        Ok(result
            .meta()
            .ok()
            .flatten()
            .and_then(|meta| meta.changes)
            .unwrap_or(0) as u64)
    }
}
