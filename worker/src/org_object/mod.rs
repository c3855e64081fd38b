//! The per-organization Durable Object (SQLite-backed): it runs each operation of its
//! organization over its own storage. Calls arrive one at a time and nothing awaits between
//! reading state and committing its change, so a code or a recovery code is accepted once
//! without any conditional SQL.

mod command;
mod outbox;
mod sql;
mod transfer;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use totp_domain::error::{Error, Result};
use totp_domain::idempotency::{Answer, Outcome};
use totp_domain::keys::Keys;
use totp_domain::model::Organization;
use totp_domain::org::{OrgService, schema, store};
use totp_domain::sql::{Remembering, Sql};
use worker::wasm_bindgen;
use worker::{
    Date, DurableObject, Env, Headers, Method, Queue, Request, RequestInit, Response, State,
    Storage, durable_object,
};

pub use command::{Keyed, OrgCall, OrgCommand, Settings};
pub use outbox::WebhookJob;

use crate::clock;
use crate::secrets::keys;
use crate::wire::answers::Health;
use crate::wire::{REQUEST_ID, problem, respond};
use sql::ObjectSql;

/// The binding of the objects' namespace in wrangler.toml.
const BINDING: &str = "ORG";

/// One organization's object.
#[durable_object]
pub struct OrgObject {
    /// Its SQL, keeping the connection's row between calls.
    sql: Rc<Remembering<ObjectSql>>,
    /// For the alarm: expired answers, audit events and deliveries, and the outbox.
    storage: Storage,
    keys: Result<Keys>,
    /// Whether the schema is current and the connection exists (checked once per instance).
    opened: Cell<bool>,
    /// Where webhook messages go (`WEBHOOKS`); none where it is not bound.
    queue: Option<Queue>,
    settings: Settings,
    /// An alarm is known to be set for what expires next (checked once per instance).
    alarm_set: Cell<bool>,
    /// A hand-off to the queue is running: another call leaves the outbox to it.
    handing_off: Cell<bool>,
    /// The time the next alarm runs at, when a test build fires it (`None` in the deploy
    /// build: the runtime's clock).
    alarm_clock: Cell<Option<u64>>,
    /// Whether the organization was deleted (checked once per instance).
    gone: Cell<Option<bool>>,
    /// A restore is under way (or died, leaving its marker): every other call waits for its
    /// end.
    restoring: Cell<bool>,
    /// A restore runs in this instance now: a second one is refused, not interleaved.
    restore_running: Cell<bool>,
    /// The directory entry last stored, so a renamed organization's is stored again.
    entry: RefCell<Option<Organization>>,
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
            sql: Rc::new(Remembering::new(ObjectSql::new(sql, storage))),
            storage: alarms,
            keys: keys(&env),
            opened: Cell::new(false),
            queue: env.queue(outbox::QUEUE).ok(),
            settings: outbox::settings(&env),
            alarm_set: Cell::new(false),
            handing_off: Cell::new(false),
            alarm_clock: Cell::new(None),
            gone: Cell::new(None),
            restoring: Cell::new(false),
            restore_running: Cell::new(false),
            entry: RefCell::new(None),
        }
    }

    /// Every answer names its request: the Worker cannot name a fetched answer without a thrown
    /// error and a copy of its headers (15% of the hop's CPU time).
    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let request_id = request.headers().get(REQUEST_ID)?.unwrap_or_default();
        named(self.answer(&mut request, &request_id).await, &request_id)
    }

    /// Deletes what expired (answers after 24 hours, audit events past the retention,
    /// deliveries after 7 days), hands the outbox to the queue, and wakes again for the next.
    async fn alarm(&self) -> worker::Result<Response> {
        let now = self
            .alarm_clock
            .take()
            .unwrap_or_else(|| Date::now().as_millis() / 1000);
        self.alarm_set.set(false);
        if self.gone().unwrap_or(true) {
            return Response::empty();
        }
        let entry = schema::migrate(&*self.sql).and_then(|_| store::directory_entry(&*self.sql));
        match entry {
            Ok(Some(organization)) => {
                if let Err(error) = self.hand_off(&organization, now).await {
                    worker::console_error!("handing webhooks to the queue failed: {error}");
                }
                if let Err(error) = self.schedule(&organization, now, true).await {
                    worker::console_error!("the alarm's housekeeping failed: {error}");
                }
            }
            Ok(None) => {}
            Err(error) => worker::console_error!("the alarm could not open storage: {error}"),
        }
        Response::empty()
    }
}

impl OrgObject {
    /// The answer to one call: a health check, a test hook, an operation on the whole
    /// organization, or one operation of the domain.
    async fn answer(&self, request: &mut Request, request_id: &str) -> worker::Result<Response> {
        if request.path() == "/ping" {
            return respond::json(200, &Health::OK);
        }
        #[cfg(feature = "storage-contract")]
        if request.path() == crate::contract::PATH {
            return crate::contract::answer(totp_domain::sql::contract::check(&*self.sql));
        }
        #[cfg(feature = "storage-contract")]
        if request.path() == crate::contract::CANARY_PATH {
            let value = request.text().await?;
            return crate::contract::answer(crate::contract::plant(&*self.sql, &value));
        }
        // The test build fires the alarm itself, at the test's time, as the runtime would.
        #[cfg(feature = "test-clock")]
        if request.path() == ALARM_PATH {
            self.alarm_clock.set(clock::test_now(request));
            return DurableObject::alarm(self).await;
        }
        if let Some(operation) = Whole::of(&request.path()) {
            let outcome = self.whole(operation, request).await;
            return outcome.or_else(|error| problem::respond(&error.into(), request_id, false));
        }
        // Reading the call is the only await before its change commits (the hand-off and the
        // alarm come after). Parsed in Rust, so integers beyond JavaScript's 2^53 arrive exact
        // (and are refused by the domain).
        let text = request.text().await;
        let now = clock::now(request);
        let call = text
            .map_err(Error::internal)
            .and_then(|text| serde_json::from_str::<OrgCall>(&text).map_err(unreadable));
        let keyed = call.as_ref().is_ok_and(|call| call.idempotency.is_some());
        let organization = call.as_ref().ok().map(|call| call.organization.clone());
        let first = !self.opened.get();
        let (outcome, notified) = match call {
            Ok(call) => self.serve(call, now),
            Err(error) => (Err(error), false),
        };
        // After the change committed: its events go to the queue, and what it keeps gets an
        // alarm. A failure here loses nothing: the outbox and the alarm catch up.
        if let Some(organization) = organization.filter(|_| self.opened.get()) {
            // The alarm first: it hands the outbox over if this runtime dies before the queue
            // has it.
            // Housekeeping once per instance and after keyed calls; a call that only wrote
            // webhook messages just needs the outbox's alarm.
            let housekeeping = keyed || !self.alarm_set.get();
            if (housekeeping || notified)
                && let Err(error) = self.schedule(&organization, now, housekeeping).await
            {
                worker::console_error!("{request_id} scheduling the alarm failed: {error}");
            }
            if (notified || first)
                && let Err(error) = self.hand_off(&organization, now).await
            {
                worker::console_error!(
                    "{request_id} handing webhooks to the queue failed: {error}"
                );
            }
        }
        match outcome {
            Ok(outcome) => respond::outcome(&outcome),
            Err(error) => problem::respond(&error.into(), request_id, false),
        }
    }

    /// Keeps an alarm set no later than 30 s while the outbox holds messages and, with
    /// `housekeeping`, deletes what expired and sets it for what expires next.
    async fn schedule(
        &self,
        organization: &Organization,
        now: u64,
        housekeeping: bool,
    ) -> Result<()> {
        let mut next = if housekeeping {
            let keys = self.keys.as_ref().map_err(Clone::clone)?;
            OrgService::new(&*self.sql, keys, organization, now).maintain(AUDIT_BATCH)?
        } else {
            None
        };
        if store::outbox_pending(&*self.sql)? {
            next = Some(next.map_or(OUTBOX_RETRY, |next| next.min(OUTBOX_RETRY)));
        }
        let Some(seconds) = next else {
            return Ok(());
        };
        let at = Date::now().as_millis() as i64 + seconds as i64 * 1000;
        let set = self.storage.get_alarm().await.map_err(Error::internal)?;
        if set.is_none_or(|set| set > at) {
            self.storage
                .set_alarm(std::time::Duration::from_secs(seconds))
                .await
                .map_err(Error::internal)?;
        }
        // Only housekeeping knows the next expiry; the outbox's alarm runs it when it fires.
        if housekeeping {
            self.alarm_set.set(true);
        }
        Ok(())
    }

    /// Hands the outbox to the queue, a batch at a time; each batch leaves the outbox once the
    /// queue accepted it. One hand-off at a time: a call arriving meanwhile leaves it to this one.
    async fn hand_off(&self, organization: &Organization, now: u64) -> Result<()> {
        let Some(queue) = &self.queue else {
            return Ok(());
        };
        if self.settings.hold_outbox || self.handing_off.replace(true) {
            return Ok(());
        }
        let keys = self.keys.as_ref().map_err(Clone::clone)?;
        let api = OrgService::new(&*self.sql, keys, organization, now);
        let handed = outbox::hand_off(&api, queue, organization).await;
        self.handing_off.set(false);
        handed
    }

    /// Whether the organization was deleted: its storage holds a tombstone.
    fn gone(&self) -> Result<bool> {
        if let Some(gone) = self.gone.get() {
            return Ok(gone);
        }
        let gone = store::buried(&*self.sql)?;
        self.gone.set(Some(gone));
        Ok(gone)
    }

    /// The organization's operations for `organization` at `now`, its storage opened (once
    /// per instance) and its directory entry current; refused while a restore runs, unless
    /// `restoring` is that restore.
    fn open<'a>(
        &'a self,
        organization: &'a Organization,
        now: u64,
        restoring: bool,
    ) -> Result<OrgService<'a, Remembering<ObjectSql>>> {
        if self.gone()? {
            return Err(Error::NotFound(totp_domain::error::Record::Organization));
        }
        let keys = self.keys.as_ref().map_err(Clone::clone)?;
        let api = OrgService::new(&*self.sql, keys, organization, now);
        if !self.opened.get() {
            api.open()?;
            self.restoring.set(api.restoring()?);
            self.opened.set(true);
            self.entry.replace(Some(organization.clone()));
        }
        if self.restoring.get() && !restoring {
            return Err(Error::RestoreInProgress);
        }
        if self.entry.borrow().as_ref() != Some(organization) {
            self.sql
                .commit(vec![store::save_directory_entry(organization)?])?;
            self.entry.replace(Some(organization.clone()));
        }
        Ok(api)
    }

    /// Runs an operation on the whole organization.
    async fn whole(&self, operation: Whole, request: &mut Request) -> Result<Response> {
        let header = request
            .headers()
            .get(ORGANIZATION)
            .map_err(Error::internal)?
            .ok_or_else(|| Error::internal("a call without its organization"))?;
        let organization: Organization = serde_json::from_str(&header).map_err(Error::internal)?;
        let now = clock::now(request);
        match operation {
            Whole::Export => {
                self.open(&organization, now, false)?;
                let sql = Rc::clone(&self.sql);
                transfer::export(sql, organization, now).map_err(Error::internal)
            }
            Whole::Restore => {
                // Two restores would wipe and interleave each other's batches between awaits.
                if self.restore_running.replace(true) {
                    return Err(Error::RestoreInProgress);
                }
                let report = match self.open(&organization, now, true) {
                    Ok(api) => {
                        self.restoring.set(true);
                        let report = transfer::restore(&api, request).await;
                        self.restoring.set(api.restoring().unwrap_or(true));
                        report
                    }
                    Err(error) => Err(error),
                };
                self.restore_running.set(false);
                respond::json(200, &report?).map_err(Error::internal)
            }
            Whole::Delete => {
                if self.gone()? {
                    return Err(Error::NotFound(totp_domain::error::Record::Organization));
                }
                // Calls arriving while storage is deleted find it gone; if the deletion fails,
                // the storage is looked at again, so a retried DELETE deletes it.
                self.gone.set(Some(true));
                if let Err(error) = transfer::delete(&self.storage, &self.sql).await {
                    self.gone.set(None);
                    return Err(error);
                }
                self.opened.set(false);
                respond::no_content().map_err(Error::internal)
            }
        }
    }

    /// Runs a call; the outcome, and whether it wrote webhook messages.
    fn serve(&self, call: OrgCall, now: u64) -> (Result<Outcome>, bool) {
        let api = match self.open(&call.organization, now, false) {
            Ok(api) => api,
            Err(error) => return (Err(error), false),
        };
        let run = || {
            command::run(&api, &call.organization, call.command, self.settings)
                .map(|(status, body)| Answer { status, body })
        };
        let outcome = match &call.idempotency {
            // Both commits (the change and the kept answer) run in this one synchronous call:
            // no other call can come between them.
            Some(keyed) => api.idempotent(&keyed.request, keyed.holds, run),
            None => run().map(|answer| Outcome {
                answer,
                replayed: false,
            }),
        };
        (outcome, api.notified())
    }
}

/// An answer naming the request it answers: the Worker passes it on as it is.
fn named(response: worker::Result<Response>, request_id: &str) -> worker::Result<Response> {
    let mut response = response?;
    response.headers_mut().set(REQUEST_ID, request_id)?;
    Ok(response)
}

/// The operations on a whole organization, each on a path of its own with the organization in
/// the [`ORGANIZATION`] header (a restore's body is the export).
#[derive(Clone, Copy)]
pub enum Whole {
    Export,
    Restore,
    Delete,
}

impl Whole {
    fn path(self) -> &'static str {
        match self {
            Self::Export => "/export",
            Self::Restore => "/restore",
            Self::Delete => "/delete",
        }
    }

    fn of(path: &str) -> Option<Self> {
        [Self::Export, Self::Restore, Self::Delete]
            .into_iter()
            .find(|whole| whole.path() == path)
    }
}

/// The header that names the organization of a [`Whole`] operation (its directory entry, JSON).
const ORGANIZATION: &str = "x-organization";

/// Audit events an alarm deletes at most per run; a longer backlog takes more runs.
const AUDIT_BATCH: u32 = 1000;

/// Seconds before the alarm hands the outbox to the queue again after a refusal.
const OUTBOX_RETRY: u64 = 30;

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
    send(
        env,
        with_test_clock(test_now)?,
        &organization.id,
        "https://org/call",
        Method::Post,
        Some(body),
        request_id,
    )
    .await
}

/// Runs `operation` on the whole of `organization` in its object; a restore streams `body`.
pub async fn whole(
    env: &Env,
    organization: &Organization,
    operation: Whole,
    body: Option<worker::wasm_bindgen::JsValue>,
    request_id: &str,
    test_now: Option<u64>,
) -> Result<Response> {
    let headers = with_test_clock(test_now)?;
    let entry = serde_json::to_string(organization).map_err(Error::internal)?;
    headers.set(ORGANIZATION, &entry).map_err(Error::internal)?;
    headers
        .set(REQUEST_ID, request_id)
        .map_err(Error::internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(body);
    let url = format!("https://org{}", operation.path());
    let request = Request::new_with_init(&url, &init).map_err(Error::internal)?;
    stub(env, &organization.id)?
        .fetch_with_request(request)
        .await
        .map_err(Error::internal)
}

/// Headers for a call into an object: in a test build, with the time the test said it is.
fn with_test_clock(test_now: Option<u64>) -> Result<Headers> {
    let headers = Headers::new();
    #[cfg(feature = "test-clock")]
    if let Some(now) = test_now {
        headers
            .set(clock::TEST_NOW, &now.to_string())
            .map_err(Error::internal)?;
    }
    #[cfg(not(feature = "test-clock"))]
    let _ = test_now;
    Ok(headers)
}

fn stub(env: &Env, name: &str) -> Result<worker::Stub> {
    let namespace = env.durable_object(BINDING).map_err(Error::internal)?;
    namespace
        .id_from_name(name)
        .and_then(|id| id.get_stub())
        .map_err(Error::internal)
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
    let stub = stub(env, name)?;
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
