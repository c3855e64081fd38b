//! The per-organization Durable Object (SQLite-backed): it runs each operation of its
//! organization over its own storage. Calls arrive one at a time and nothing awaits between
//! reading state and committing its change, so a code or a recovery code is accepted once
//! without any conditional SQL.

mod command;
mod sql;

use std::cell::Cell;

use totp_domain::error::{Error, Result};
use totp_domain::idempotency::{Answer, Outcome};
use totp_domain::keys::Keys;
use totp_domain::model::Organization;
use totp_domain::org::OrgService;
use totp_domain::org::idempotency::forget_expired_answers;
use worker::wasm_bindgen;
use worker::{
    Date, DurableObject, Env, Headers, Method, Request, RequestInit, Response, State, Storage,
    durable_object,
};

pub use command::{Keyed, OrgCall, OrgCommand};

use crate::clock;
use crate::secrets::keys;
use crate::wire::answers::Health;
use crate::wire::{problem, respond};
use sql::ObjectSql;

/// The binding of the objects' namespace in wrangler.toml.
const BINDING: &str = "ORG";

/// The header that carries the Worker's request id into the object's log lines.
const REQUEST_ID: &str = "x-request-id";

/// One organization's object.
#[durable_object]
pub struct OrgObject {
    sql: ObjectSql,
    /// For the alarm that deletes expired idempotency answers.
    storage: Storage,
    keys: Result<Keys>,
    /// Whether the schema is current and the connection exists (checked once per instance).
    opened: Cell<bool>,
    /// The time the next alarm runs at, when a test build fires it (`None` in the deploy
    /// build: the runtime's clock).
    alarm_clock: Cell<Option<u64>>,
}

impl DurableObject for OrgObject {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        let alarms = state.storage();
        let storage = state
            ._inner()
            .storage()
            .map_or(wasm_bindgen::JsValue::NULL, Into::into);
        Self {
            sql: ObjectSql::new(sql, storage),
            storage: alarms,
            keys: keys(&env),
            opened: Cell::new(false),
            alarm_clock: Cell::new(None),
        }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let request_id = request.headers().get(REQUEST_ID)?.unwrap_or_default();
        if request.path() == "/ping" {
            return respond::json(200, &Health::OK);
        }
        #[cfg(feature = "storage-contract")]
        if request.path() == crate::contract::PATH {
            return crate::contract::answer(totp_domain::sql::contract::check(&self.sql));
        }
        #[cfg(feature = "storage-contract")]
        if request.path() == crate::contract::CANARY_PATH {
            let value = request.text().await?;
            return crate::contract::answer(crate::contract::plant(&self.sql, &value));
        }
        // The test build fires the alarm itself, at the test's time, as the runtime would.
        #[cfg(feature = "test-clock")]
        if request.path() == ALARM_PATH {
            self.alarm_clock.set(clock::test_now(&request));
            return DurableObject::alarm(self).await;
        }
        // The only await: reading the call, before any state is touched. Parsed in Rust, so
        // integers beyond JavaScript's 2^53 arrive exact (and are refused by the domain).
        let text = request.text().await;
        let now = clock::now(&request);
        let call = text
            .map_err(Error::internal)
            .and_then(|text| serde_json::from_str::<OrgCall>(&text).map_err(unreadable));
        let keyed = call.as_ref().is_ok_and(|call| call.idempotency.is_some());
        let outcome = call.and_then(|call| self.serve(call, now));
        if keyed && outcome.is_ok() {
            // After the change committed: only the answer's deletion is scheduled here.
            if let Err(error) = self.schedule_expiry(now).await {
                worker::console_error!("{request_id} scheduling answer expiry failed: {error}");
            }
        }
        match outcome {
            Ok(outcome) => respond::outcome(&outcome),
            Err(error) => problem::respond(&error.into(), &request_id, false),
        }
    }

    /// Deletes the idempotency answers kept longer than 24 hours, and wakes again for the next.
    async fn alarm(&self) -> worker::Result<Response> {
        let now = self
            .alarm_clock
            .take()
            .unwrap_or_else(|| Date::now().as_millis() / 1000);
        if let Err(error) = self.schedule_expiry(now).await {
            worker::console_error!("deleting expired answers failed: {error}");
        }
        Response::empty()
    }
}

impl OrgObject {
    /// Forgets expired answers and, while some remain, keeps an alarm set for the oldest one's
    /// expiry (an alarm already set is for an older answer or the same one).
    async fn schedule_expiry(&self, now: u64) -> Result<()> {
        let Some(seconds) = forget_expired_answers(&self.sql, now)? else {
            return Ok(());
        };
        let set = self.storage.get_alarm().await.map_err(Error::internal)?;
        if set.is_none() {
            self.storage
                .set_alarm(std::time::Duration::from_secs(seconds))
                .await
                .map_err(Error::internal)?;
        }
        Ok(())
    }

    fn serve(&self, call: OrgCall, now: u64) -> Result<Outcome> {
        let keys = self.keys.as_ref().map_err(Clone::clone)?;
        let api = OrgService::new(&self.sql, keys, &call.organization, now);
        if !self.opened.get() {
            api.open()?;
            self.opened.set(true);
        }
        let run = || {
            command::run(&api, &call.organization, call.command)
                .map(|(status, body)| Answer { status, body })
        };
        match &call.idempotency {
            // Both commits (the change and the kept answer) run in this one synchronous call:
            // no other call can come between them.
            Some(keyed) => api.idempotent(&keyed.request, keyed.holds, run),
            None => run().map(|answer| Outcome {
                answer,
                replayed: false,
            }),
        }
    }
}

/// A call this build cannot read (a Worker of another version during a deploy). serde's message
/// may quote the input, which can hold a code: only the position goes to the log.
fn unreadable(error: serde_json::Error) -> Error {
    Error::internal(format!(
        "unreadable call ({:?} error at line {}, column {})",
        error.classify(),
        error.line(),
        error.column()
    ))
}

/// The path a test build fires an object's alarm on.
#[cfg(feature = "test-clock")]
const ALARM_PATH: &str = "/test/alarm";

/// Test builds only: runs the alarm of `organization`'s object at the test's time `now`.
#[cfg(feature = "test-clock")]
pub async fn fire_alarm(
    env: &Env,
    organization: &Organization,
    now: u64,
    request_id: &str,
) -> Result<Response> {
    let headers = Headers::new();
    headers
        .set(clock::TEST_NOW, &now.to_string())
        .map_err(Error::internal)?;
    let url = format!("https://org{ALARM_PATH}");
    send(
        env,
        headers,
        &organization.id,
        &url,
        Method::Post,
        None,
        request_id,
    )
    .await
}

/// Test builds only: plants `value` in the object named `name` and deletes it at once (see
/// `contract::plant`).
#[cfg(feature = "storage-contract")]
pub async fn plant_canary(env: &Env, name: &str, value: String) -> Result<Response> {
    let url = format!("https://org{}", crate::contract::CANARY_PATH);
    send(
        env,
        Headers::new(),
        name,
        &url,
        Method::Post,
        Some(value),
        "canary",
    )
    .await
}

/// Sends one call to the object of `organization`; its answer is the response.
pub async fn call(
    env: &Env,
    organization: &Organization,
    command: OrgCommand,
    idempotency: Option<Keyed>,
    request_id: &str,
    test_now: Option<u64>,
) -> Result<Response> {
    let call = OrgCall {
        organization: organization.clone(),
        command,
        idempotency,
    };
    let body = serde_json::to_string(&call).map_err(Error::internal)?;
    let headers = Headers::new();
    #[cfg(feature = "test-clock")]
    if let Some(now) = test_now {
        headers
            .set(clock::TEST_NOW, &now.to_string())
            .map_err(Error::internal)?;
    }
    #[cfg(not(feature = "test-clock"))]
    let _ = test_now;
    send(
        env,
        headers,
        &organization.id,
        "https://org/call",
        Method::Post,
        Some(body),
        request_id,
    )
    .await
}

/// One round trip to a fixed object that does nothing: the cost of the hop, for health checks
/// and benchmarks.
pub async fn ping(env: &Env, request_id: &str) -> Result<Response> {
    send(
        env,
        Headers::new(),
        "health",
        "https://org/ping",
        Method::Get,
        None,
        request_id,
    )
    .await
}

async fn send(
    env: &Env,
    headers: Headers,
    name: &str,
    url: &str,
    method: Method,
    body: Option<String>,
    request_id: &str,
) -> Result<Response> {
    let namespace = env.durable_object(BINDING).map_err(Error::internal)?;
    let stub = namespace
        .id_from_name(name)
        .and_then(|id| id.get_stub())
        .map_err(Error::internal)?;
    headers
        .set(REQUEST_ID, request_id)
        .map_err(Error::internal)?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let request = Request::new_with_init(url, &init).map_err(Error::internal)?;
    stub.fetch_with_request(request)
        .await
        .map_err(Error::internal)
}
