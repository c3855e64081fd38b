//! The seam between the rules and SQLite: statements as data, executed by whichever engine
//! holds the rows (a Durable Object's storage or D1 in the Worker, bundled SQLite in tests).
//! Storage code only loads and saves; no rule lives in SQL.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use crate::error::Result;

#[cfg(any(test, feature = "contract"))]
pub mod contract;
mod remembered;

pub use remembered::Remembering;

/// A value bound to a `?` placeholder. Binary data is stored as base64 text, which every
/// engine here reads and writes the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// UTF-8 text.
    Text(String),
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Self::Integer(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Self::Integer(i64::from(value))
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Integer(i64::from(value))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One SQL statement and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, with `?` placeholders.
    pub sql: Cow<'static, str>,
    /// One value per placeholder, in order.
    pub params: Vec<Value>,
}

impl Statement {
    /// A statement over `params`.
    pub fn new(sql: impl Into<Cow<'static, str>>, params: Vec<Value>) -> Self {
        Self {
            sql: sql.into(),
            params,
        }
    }
}

/// Builds a [`Statement`]: `stmt!("… ?1 … ?2", a, b)`.
#[macro_export]
macro_rules! stmt {
    ($sql:expr $(, $param:expr)* $(,)?) => {
        $crate::sql::Statement::new($sql, vec![$($crate::sql::Value::from($param)),*])
    };
}

/// One organization's SQLite, synchronous as a Durable Object's storage is.
pub trait Sql {
    /// The rows a query returns, each deserialized by column name.
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>>;

    /// Runs `writes` in one transaction: all of them, or none if any fails.
    fn commit(&self, writes: Vec<Statement>) -> Result<()>;

    /// The first row a query returns, if any.
    fn row<T: DeserializeOwned>(&self, query: &Statement) -> Result<Option<T>> {
        Ok(self.rows(query)?.into_iter().next())
    }

    /// The rows of a read of `table` alone, which an engine may keep and answer again until a
    /// statement names `table` (see [`Remembering`]); others read them each time.
    fn kept_rows<T: DeserializeOwned + Clone + 'static>(
        &self,
        query: &Statement,
        _table: &'static str,
    ) -> Result<Vec<T>> {
        self.rows(query)
    }
}

/// The control plane's database (D1 in the Worker): asynchronous, one statement at a time.
#[allow(async_fn_in_trait)] // Workers are single-threaded: no `Send` bound wanted.
pub trait ControlDb {
    /// The rows a query returns, each deserialized by column name.
    async fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>>;

    /// Runs one write and answers how many rows it changed.
    async fn run(&self, write: &Statement) -> Result<u64>;

    /// Runs `writes` in one transaction: all of them, or none if any fails.
    async fn batch(&self, writes: Vec<Statement>) -> Result<()>;

    /// The first row a query returns, if any.
    async fn row<T: DeserializeOwned>(&self, query: &Statement) -> Result<Option<T>> {
        Ok(self.rows(query).await?.into_iter().next())
    }
}

/// Binary data as stored: base64 text.
pub fn blob(bytes: &[u8]) -> Value {
    use base64::Engine;
    Value::Text(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Binary data as read back.
pub fn unblob(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| crate::error::Error::internal("corrupt base64 column"))
}

/// The row of a `SELECT count(*) AS count`.
#[derive(serde::Deserialize)]
pub struct Count {
    /// The count.
    pub count: u64,
}
