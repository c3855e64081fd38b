//! The consumer of the `WEBHOOKS` queue: it delivers each message as Standard Webhooks describe,
//! asking the organization's object to sign each attempt (the secrets never leave it) and to
//! record how it went. A 2xx is delivered; anything else is retried after the wait the object
//! says (doubling), and the last failed attempt sends the message to the dead-letter queue.
//! Delivery is at least once: `webhook-id` is the same in every attempt, so receivers can drop
//! duplicates.

use std::time::Duration;

use totp_domain::error::{Error, Result};
use totp_domain::new_id;
use totp_domain::org::{AfterAttempt, AttemptReport, PreparedDelivery};
use worker::wasm_bindgen::JsValue;
use worker::{
    AbortSignal, Context, Date, Env, Fetch, Headers, MessageBatch, MessageExt, Method,
    QueueContentType, QueueRetryOptionsBuilder, RawMessage, RawMessageBuilder, Request,
    RequestInit, event, web_sys,
};

use crate::org_object::{self, OrgCommand, WebhookJob};

/// The binding of the dead-letter queue.
const DEAD_LETTERS: &str = "WEBHOOKS_DLQ";

// Messages are JSON text (see `org_object::outbox`), read with serde_json.
#[event(queue)]
async fn queue(batch: MessageBatch<()>, env: Env, _context: Context) -> worker::Result<()> {
    let timeout = Duration::from_secs(
        env.var("WEBHOOK_TIMEOUT_SECONDS")
            .ok()
            .and_then(|value| value.to_string().parse().ok())
            .unwrap_or(10),
    );
    for message in batch.raw_iter() {
        settle(&env, &message, timeout).await;
    }
    Ok(())
}

/// Delivers one message and acknowledges, retries or dead-letters it.
async fn settle(env: &Env, message: &RawMessage, timeout: Duration) {
    let request_id = new_id().unwrap_or_default();
    let text = message.body().as_string().unwrap_or_default();
    let job = match serde_json::from_str::<WebhookJob>(&text) {
        Ok(job) => job,
        Err(error) => {
            // Not a message this build can read (none other is ever sent): dropped, logged.
            worker::console_error!("{request_id} unreadable webhook message: {error}");
            message.ack();
            return;
        }
    };
    match deliver(env, &job, timeout, &request_id).await {
        Ok(AfterAttempt::Done) => message.ack(),
        Ok(AfterAttempt::Retry { after }) => message.retry_with_options(
            &QueueRetryOptionsBuilder::new()
                .with_delay_seconds(after)
                .build(),
        ),
        Ok(AfterAttempt::DeadLetter) => {
            let dead = RawMessageBuilder::new(JsValue::from_str(&text))
                .build_with_content_type(QueueContentType::Text);
            let sent = match env.queue(DEAD_LETTERS) {
                Ok(queue) => queue.send_raw(dead).await,
                Err(error) => Err(error),
            };
            match sent {
                Ok(()) => message.ack(),
                Err(error) => {
                    worker::console_error!("{request_id} dead-lettering failed: {error}");
                    message.retry();
                }
            }
        }
        // The object could not be reached: the queue tries again (and, past its own limit,
        // dead-letters the message itself).
        Err(error) => {
            worker::console_error!("{request_id} webhook delivery failed: {error}");
            message.retry();
        }
    }
}

/// One attempt of `job`: signed by the object, sent, recorded; what to do next.
async fn deliver(
    env: &Env,
    job: &WebhookJob,
    timeout: Duration,
    request_id: &str,
) -> Result<AfterAttempt> {
    let prepare = OrgCommand::PrepareDelivery {
        message_id: job.message_id.clone(),
        round: job.round,
    };
    let Some(prepared) = ask::<Option<PreparedDelivery>>(env, job, prepare, request_id).await?
    else {
        // The endpoint was deleted or disabled, the message forgotten, or a newer round runs.
        return Ok(AfterAttempt::Done);
    };
    let started = Date::now().as_millis();
    let sent = post(&prepared, timeout).await;
    let latency_ms = Date::now().as_millis().saturating_sub(started);
    let (status, error) = match sent {
        Ok(status) => (Some(status), None),
        Err(error) => (None, Some(error)),
    };
    let report = AttemptReport {
        message_id: prepared.id,
        round: prepared.round,
        attempt: prepared.attempt,
        status,
        error,
        latency_ms,
    };
    ask(env, job, OrgCommand::RecordAttempt { report }, request_id).await
}

/// Sends one command to the job's organization object; its JSON answer.
async fn ask<T: serde::de::DeserializeOwned>(
    env: &Env,
    job: &WebhookJob,
    command: OrgCommand,
    request_id: &str,
) -> Result<T> {
    let mut response =
        org_object::call(env, &job.organization, command, None, request_id, None).await?;
    if response.status_code() != 200 {
        return Err(Error::internal(format!(
            "the object answered {}",
            response.status_code()
        )));
    }
    response.json().await.map_err(Error::internal)
}

/// POSTs the payload with its Standard Webhooks headers; the status, or why there was none.
async fn post(prepared: &PreparedDelivery, timeout: Duration) -> std::result::Result<u16, String> {
    let request = (|| -> worker::Result<Request> {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("user-agent", "headless-totp-webhooks")?;
        headers.set("webhook-id", &prepared.id)?;
        headers.set("webhook-timestamp", &prepared.timestamp.to_string())?;
        headers.set("webhook-signature", &prepared.signature)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(prepared.body.clone().into()));
        Request::new_with_init(&prepared.url, &init)
    })()
    .map_err(|_| "invalid request".to_owned())?;
    let millis = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(millis));
    match Fetch::Request(request).send_with_signal(&signal).await {
        Ok(response) => Ok(response.status_code()),
        Err(_) if signal.aborted() => Err("timeout".to_owned()),
        Err(_) => Err("connection failed".to_owned()),
    }
}
