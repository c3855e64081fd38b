//! One request's context: what every operation needs (the environment, the keys, the control
//! plane at this instant), and the count of object calls it made, for its log line.

use std::cell::Cell;
use std::rc::Rc;

use totp_domain::control::Control;
use totp_domain::keys::Keys;
use totp_domain::model::Organization;
use worker::{Env, Request, Response};

use super::Result;
use crate::clock;
use crate::control::D1;
use crate::org_object::{self, Keyed, OrgCommand, Whole};
use crate::secrets::isolate_keys;
use crate::wire::problem::HttpError;
use crate::wire::respond;

/// What every operation needs of one request.
pub struct Call<'a> {
    pub env: &'a Env,
    pub d1: &'a D1,
    pub keys: Rc<Keys>,
    pub now: u64,
    /// The time a test build was told (forwarded to objects); `None` in the deploy build.
    test_now: Option<u64>,
    pub request_id: &'a str,
    objects: Cell<u32>,
}

impl<'a> Call<'a> {
    pub fn new(env: &'a Env, d1: &'a D1, request: &Request, request_id: &'a str) -> Result<Self> {
        Ok(Self {
            env,
            d1,
            keys: isolate_keys(env)?,
            now: clock::now(request),
            test_now: clock::test_now(request),
            request_id,
            objects: Cell::new(0),
        })
    }

    /// The control plane at this request's instant.
    pub fn control(&self) -> Control<'_, D1> {
        Control::new(self.d1, &self.keys, self.now)
    }

    /// The object calls made so far.
    pub fn objects(&self) -> u32 {
        self.objects.get()
    }

    /// Runs `command` in `organization`'s object; its answer is the response.
    pub async fn object(
        &self,
        organization: &Organization,
        command: OrgCommand,
        idempotency: Option<Keyed>,
    ) -> Result<Response> {
        self.objects.set(self.objects.get() + 1);
        let response = org_object::call(
            self.env,
            organization,
            command,
            idempotency,
            self.request_id,
            self.test_now,
        )
        .await?;
        Ok(response)
    }

    /// Runs `operation` on the whole of `organization` in its object (a restore streams
    /// `body`); its answer is the response.
    pub async fn whole(
        &self,
        organization: &Organization,
        operation: Whole,
        body: Option<worker::wasm_bindgen::JsValue>,
    ) -> Result<Response> {
        self.objects.set(self.objects.get() + 1);
        let response = org_object::whole(
            self.env,
            organization,
            operation,
            body,
            self.request_id,
            self.test_now,
        )
        .await?;
        Ok(response)
    }

    /// One round trip to the fixed object that does nothing.
    pub async fn ping_object(&self) -> Result<Response> {
        self.objects.set(self.objects.get() + 1);
        Ok(org_object::ping(self.env, self.request_id).await?)
    }

    /// Test builds only: runs `organization`'s alarm at this request's time.
    #[cfg(feature = "test-clock")]
    pub async fn fire_alarm(&self, organization: &Organization) -> Result<Response> {
        self.objects.set(self.objects.get() + 1);
        let response =
            org_object::fire_alarm(self.env, organization, self.now, self.request_id).await?;
        Ok(response)
    }
}

pub fn ok(body: impl serde::Serialize) -> Result<Response> {
    answer(200, body)
}

pub fn created(body: impl serde::Serialize) -> Result<Response> {
    answer(201, body)
}

fn answer(status: u16, body: impl serde::Serialize) -> Result<Response> {
    respond::json(status, &body).map_err(HttpError::internal)
}
