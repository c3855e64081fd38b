//! An organization's webhook endpoints and the events they receive. Each event is written, one
//! message per subscribed endpoint, in the transaction of the change it reports (a change that
//! rolls back sends nothing); the object then hands its outbox to a Cloudflare Queue, whose
//! consumer asks this object to sign each attempt ([`OrgService::prepare_delivery`]) and to
//! record it ([`OrgService::record_attempt`]). Signing secrets never leave the object.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use crate::error::{Error, Record, Result};
use crate::new_id;
use crate::sql::{Sql, Statement, unblob};
use crate::webhook::{
    self, EventType, KEEP_DELIVERIES, MAX_ATTEMPTS, MAX_ENDPOINTS, ROTATION_OVERLAP,
};

use super::store::{self, Attempt, EndpointRow};
use super::{OrgService, audit::AuditKind};

/// Attempts listed per endpoint at most.
const LISTED_ATTEMPTS: u32 = 100;

/// An endpoint to create or change, as received.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct EndpointInput {
    /// `https://...`.
    pub url: Option<String>,
    /// Event type names; every type when absent at creation.
    pub event_types: Option<Vec<String>>,
    /// Whether events are sent (true when absent at creation).
    pub enabled: Option<bool>,
    /// Whether `http://` to this machine is allowed (local and test builds).
    #[serde(default)]
    pub loopback_http: bool,
}

/// An endpoint as answered: never its secret.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookEndpoint))]
pub struct Endpoint {
    /// Identifier.
    pub id: String,
    /// Where events are sent.
    pub url: String,
    /// What it receives.
    pub event_types: Vec<EventType>,
    /// Whether events are sent.
    pub enabled: bool,
    /// Unix seconds until which the previous secret signs beside the new one; null without a
    /// rotation in progress.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub previous_secret_expires_at: Option<u64>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
}

/// An endpoint with its signing secret, shown once (creation, rotation).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookEndpointWithSecret))]
pub struct EndpointWithSecret {
    /// Identifier.
    pub id: String,
    /// Where events are sent.
    pub url: String,
    /// What it receives.
    pub event_types: Vec<EventType>,
    /// Whether events are sent.
    pub enabled: bool,
    /// Unix seconds until which the previous secret signs beside this one; null without a
    /// rotation in progress.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub previous_secret_expires_at: Option<u64>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
    /// `whsec_<base64>`: verify requests with it (Standard Webhooks); shown once.
    pub secret: String,
}

impl EndpointWithSecret {
    fn new(endpoint: Endpoint, secret: String) -> Self {
        Self {
            id: endpoint.id,
            url: endpoint.url,
            event_types: endpoint.event_types,
            enabled: endpoint.enabled,
            previous_secret_expires_at: endpoint.previous_secret_expires_at,
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
            secret,
        }
    }
}

/// What the queue's consumer sends for one attempt: the request, signed.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedDelivery {
    /// The endpoint's URL.
    pub url: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: u64,
    /// `webhook-signature`: one signature per live secret, space-separated.
    pub signature: String,
    /// The payload.
    pub body: String,
    /// This attempt's number in its round, from 1.
    pub attempt: u32,
    /// Its round.
    pub round: u32,
    /// The event type.
    pub event_type: String,
}

/// The outcome of one attempt, as the consumer reports it.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttemptReport {
    /// The message's id.
    pub message_id: String,
    /// The round it was sent in.
    pub round: u32,
    /// The attempt in that round.
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why it did not, if it did not.
    pub error: Option<String>,
    /// Milliseconds the attempt took.
    pub latency_ms: u64,
}

/// What the consumer does after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterAttempt {
    /// Delivered, or nothing left to deliver to: acknowledge.
    Done,
    /// Try again after this many seconds.
    Retry {
        /// The wait.
        after: u32,
    },
    /// The last attempt failed: send it to the dead-letter queue.
    DeadLetter,
}

/// A message manually sent again.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookRetry))]
pub struct Requeued {
    /// The message's `webhook-id`, unchanged.
    pub message_id: String,
    /// The new round its attempts are counted in.
    pub round: u32,
}

fn event_types(names: Option<Vec<String>>) -> Result<Vec<EventType>> {
    let Some(names) = names else {
        return Ok(EventType::ALL.to_vec());
    };
    let mut types = Vec::new();
    for name in names {
        let event = EventType::parse(name.trim()).ok_or_else(|| {
            Error::invalid(
                "event_types",
                format!(
                    "has {}, which is not an event type",
                    name.chars().take(40).collect::<String>()
                ),
            )
        })?;
        if !types.contains(&event) {
            types.push(event);
        }
    }
    if types.is_empty() {
        return Err(Error::invalid(
            "event_types",
            "must name at least one event type",
        ));
    }
    Ok(types)
}

fn joined(types: &[EventType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl<S: Sql> OrgService<'_, S> {
    fn endpoint_row(&self, id: &str) -> Result<EndpointRow> {
        store::endpoint(self.sql, id)?.ok_or(Error::NotFound(Record::Webhook))
    }

    fn answer(&self, row: EndpointRow) -> Endpoint {
        Endpoint {
            event_types: row
                .event_types
                .split(',')
                .filter_map(EventType::parse)
                .collect(),
            enabled: row.enabled != 0,
            previous_secret_expires_at: row.previous_until.filter(|until| *until > self.now),
            id: row.id,
            url: row.url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    /// Registers an endpoint (at most [`MAX_ENDPOINTS`]); its secret is answered once.
    pub fn create_webhook(&self, input: EndpointInput) -> Result<EndpointWithSecret> {
        let url = input
            .url
            .ok_or_else(|| Error::invalid("url", "is required"))
            .and_then(|url| webhook::check_url(&url, input.loopback_http))?;
        let types = event_types(input.event_types)?;
        if store::endpoints(self.sql)?.len() >= MAX_ENDPOINTS {
            return Err(Error::invalid(
                "url",
                format!("an organization has at most {MAX_ENDPOINTS} endpoints"),
            ));
        }
        let id = new_id()?;
        let (secret, shown) = webhook::new_secret()?;
        let row = EndpointRow {
            sealed_secret: store::sealed_text(&self.keys.seal_webhook_secret(&secret, &id)?),
            id,
            url,
            event_types: joined(&types),
            enabled: u64::from(input.enabled.unwrap_or(true)),
            sealed_previous_secret: None,
            previous_until: None,
            created_at: self.now,
            updated_at: self.now,
        };
        self.sql.commit(vec![
            store::save_endpoint(&row)?,
            self.audit(
                AuditKind::WebhookChanged,
                None,
                Some(format!("created {}", row.id)),
            ),
        ])?;
        Ok(EndpointWithSecret::new(self.answer(row), shown))
    }

    /// The organization's endpoints, oldest first.
    pub fn webhooks(&self) -> Result<Vec<Endpoint>> {
        Ok(store::endpoints(self.sql)?
            .into_iter()
            .map(|row| self.answer(row))
            .collect())
    }

    /// One endpoint.
    pub fn webhook(&self, id: &str) -> Result<Endpoint> {
        Ok(self.answer(self.endpoint_row(id)?))
    }

    /// Changes an endpoint's URL, event types or switch; absent fields keep their value.
    pub fn update_webhook(&self, id: &str, input: EndpointInput) -> Result<Endpoint> {
        let mut row = self.endpoint_row(id)?;
        if let Some(url) = input.url {
            row.url = webhook::check_url(&url, input.loopback_http)?;
        }
        if input.event_types.is_some() {
            row.event_types = joined(&event_types(input.event_types)?);
        }
        if let Some(enabled) = input.enabled {
            row.enabled = u64::from(enabled);
        }
        row.updated_at = self.now;
        self.sql.commit(vec![
            store::save_endpoint(&row)?,
            self.audit(
                AuditKind::WebhookChanged,
                None,
                Some(format!("updated {id}")),
            ),
        ])?;
        Ok(self.answer(row))
    }

    /// Deletes an endpoint with its undelivered messages and its delivery list.
    pub fn delete_webhook(&self, id: &str) -> Result<()> {
        self.endpoint_row(id)?;
        let mut writes = store::delete_endpoint(id);
        writes.push(self.audit(
            AuditKind::WebhookChanged,
            None,
            Some(format!("deleted {id}")),
        ));
        self.sql.commit(writes)
    }

    /// A new signing secret, answered once; the previous one signs beside it for
    /// [`ROTATION_OVERLAP`].
    pub fn rotate_webhook_secret(&self, id: &str) -> Result<EndpointWithSecret> {
        let mut row = self.endpoint_row(id)?;
        let (secret, shown) = webhook::new_secret()?;
        row.sealed_previous_secret = Some(row.sealed_secret.clone());
        row.previous_until = Some(self.now.saturating_add(ROTATION_OVERLAP));
        row.sealed_secret = store::sealed_text(&self.keys.seal_webhook_secret(&secret, id)?);
        row.updated_at = self.now;
        self.sql.commit(vec![
            store::save_endpoint(&row)?,
            self.audit(
                AuditKind::WebhookChanged,
                None,
                Some(format!("secret rotated {id}")),
            ),
        ])?;
        Ok(EndpointWithSecret::new(self.answer(row), shown))
    }

    /// The endpoint's newest delivery attempts (kept 7 days), newest first.
    pub fn webhook_deliveries(&self, id: &str) -> Result<Vec<Attempt>> {
        self.endpoint_row(id)?;
        store::attempts(self.sql, id, LISTED_ATTEMPTS)
    }

    /// Sends a kept message of the endpoint again, in a new round, with the same `webhook-id`.
    pub fn retry_webhook_delivery(&self, id: &str, message_id: &str) -> Result<Requeued> {
        self.endpoint_row(id)?;
        let message = store::message(self.sql, message_id)?
            .filter(|message| message.endpoint_id == id)
            .ok_or(Error::NotFound(Record::WebhookMessage))?;
        self.sql.commit(vec![
            store::requeue(message_id),
            self.audit(
                AuditKind::WebhookChanged,
                None,
                Some(format!("retry {message_id}")),
            ),
        ])?;
        self.notified.set(true);
        Ok(Requeued {
            message_id: message.id,
            round: message.round + 1,
        })
    }

    /// The write that sends `event` to every enabled endpoint subscribed to it, to commit with
    /// the change it reports. `data` holds ids and counts only.
    pub(super) fn notify(
        &self,
        event: EventType,
        user_id: Option<&str>,
        mut data: Map<String, Json>,
    ) -> Result<Statement> {
        data.insert("organization_id".into(), json!(self.organization.id));
        if let Some(user_id) = user_id {
            data.insert("user_id".into(), json!(user_id));
        }
        let payload = json!({
            "type": event.as_str(),
            "timestamp": webhook::rfc3339(self.now),
            "data": data,
        });
        let event_id = format!("msg_{}", new_id()?.replace('-', ""));
        self.notified.set(true);
        Ok(store::fan_out(
            &event_id,
            event.as_str(),
            &payload.to_string(),
            self.now,
        ))
    }

    /// Up to `limit` messages of the outbox, oldest first, for the queue.
    pub fn outbox(&self, limit: u32) -> Result<Vec<store::Queued>> {
        store::outbox(self.sql, limit)
    }

    /// The queue accepted these messages: they leave the outbox.
    pub fn mark_queued(&self, sent: &[store::Queued]) -> Result<()> {
        self.sql.commit(
            sent.iter()
                .map(|queued| store::mark_queued(&queued.id, queued.round))
                .collect(),
        )
    }

    /// The next attempt of `message_id` in `round`, signed with the endpoint's live secrets;
    /// `None` when there is nothing to send (the endpoint was deleted or disabled, the message
    /// forgotten, or a newer round started).
    pub fn prepare_delivery(
        &self,
        message_id: &str,
        round: u32,
    ) -> Result<Option<PreparedDelivery>> {
        let Some(message) = store::message(self.sql, message_id)? else {
            return Ok(None);
        };
        let Some(endpoint) = store::endpoint(self.sql, &message.endpoint_id)? else {
            return Ok(None);
        };
        if endpoint.enabled == 0 || message.round != round {
            return Ok(None);
        }
        let mut signatures = Vec::new();
        let secret = self
            .keys
            .open_webhook_secret(&endpoint.sealed()?, &endpoint.id)?;
        signatures.push(webhook::signature(
            &secret,
            &message.id,
            self.now,
            &message.payload,
        ));
        // The previous secret signs too until its overlap ends.
        let overlap = endpoint
            .previous_until
            .is_some_and(|until| until > self.now);
        if let (Some(previous), true) = (&endpoint.sealed_previous_secret, overlap) {
            let previous = self
                .keys
                .open_webhook_secret(&unblob(previous)?, &endpoint.id)?;
            signatures.push(webhook::signature(
                &previous,
                &message.id,
                self.now,
                &message.payload,
            ));
        }
        Ok(Some(PreparedDelivery {
            attempt: store::attempts_made(self.sql, &message.id, round)? + 1,
            url: endpoint.url,
            id: message.id,
            timestamp: self.now,
            signature: signatures.join(" "),
            body: message.payload,
            round,
            event_type: message.event_type,
        }))
    }

    /// Records an attempt and says what the consumer does next: a 2xx is delivered; else a
    /// retry after a doubling wait (from `retry_base` seconds), until the last of
    /// [`MAX_ATTEMPTS`], which goes to the dead-letter queue.
    pub fn record_attempt(&self, report: AttemptReport, retry_base: u32) -> Result<AfterAttempt> {
        let Some(message) = store::message(self.sql, &report.message_id)? else {
            return Ok(AfterAttempt::Done);
        };
        let delivered = report
            .status
            .is_some_and(|status| (200..300).contains(&status));
        let next = if delivered {
            AfterAttempt::Done
        } else if report.attempt >= MAX_ATTEMPTS {
            AfterAttempt::DeadLetter
        } else {
            AfterAttempt::Retry {
                after: webhook::retry_delay(report.attempt, retry_base),
            }
        };
        let outcome = match next {
            AfterAttempt::Done => "delivered",
            AfterAttempt::Retry { .. } => "retrying",
            AfterAttempt::DeadLetter => "dead_lettered",
        };
        let attempt = Attempt {
            message_id: message.id,
            event_type: message.event_type,
            round: report.round,
            attempt: report.attempt,
            at: self.now,
            status: report.status,
            error: report.error.map(|error| error.chars().take(200).collect()),
            latency_ms: report.latency_ms,
            outcome: outcome.into(),
        };
        self.sql
            .commit(vec![store::insert_attempt(&message.endpoint_id, &attempt)])?;
        Ok(next)
    }

    /// Forgets messages and attempts older than [`KEEP_DELIVERIES`]; when the oldest left
    /// expires, if any is left.
    pub(super) fn forget_old_deliveries(&self) -> Result<Option<u64>> {
        let before = self.now.saturating_sub(KEEP_DELIVERIES);
        self.sql.commit(store::forget_deliveries_before(before))?;
        Ok(store::oldest_delivery(self.sql)?.map(|oldest| oldest.saturating_add(KEEP_DELIVERIES)))
    }

    /// Re-seals up to `limit` endpoint secrets still under an older key; the number re-sealed.
    pub(super) fn reseal_webhook_secrets(&self, limit: u32) -> Result<u32> {
        let current = self.keys.current_key_id();
        let mut resealed = 0;
        for mut row in store::endpoints_sealed_under_other_keys(self.sql, current, limit)? {
            let secret = self.keys.open_webhook_secret(&row.sealed()?, &row.id)?;
            row.sealed_secret =
                store::sealed_text(&self.keys.seal_webhook_secret(&secret, &row.id)?);
            if let Some(previous) = &row.sealed_previous_secret {
                let previous = self.keys.open_webhook_secret(&unblob(previous)?, &row.id)?;
                row.sealed_previous_secret = Some(store::sealed_text(
                    &self.keys.seal_webhook_secret(&previous, &row.id)?,
                ));
            }
            self.sql.commit(vec![store::save_endpoint(&row)?])?;
            resealed += 1;
        }
        Ok(resealed)
    }

    /// Whether endpoint secrets remain under an older key.
    pub(super) fn webhook_secrets_to_reseal(&self) -> Result<bool> {
        Ok(
            !store::endpoints_sealed_under_other_keys(self.sql, self.keys.current_key_id(), 1)?
                .is_empty(),
        )
    }
}

/// `data` of an event, from `(name, value)` pairs.
pub(super) fn data<const N: usize>(pairs: [(&str, Json); N]) -> Map<String, Json> {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}
