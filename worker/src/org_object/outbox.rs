//! The object's side of webhooks: handing its outbox to the `WEBHOOKS` queue, and the settings
//! it reads from the environment. Messages carry ids only; the payload and the signing secrets
//! stay in the object, which signs each attempt when the consumer asks.

use serde::{Deserialize, Serialize};
use totp_domain::error::{Error, Result};
use totp_domain::model::Organization;
use totp_domain::org::OrgService;
use totp_domain::sql::Sql;
use worker::wasm_bindgen::JsValue;
use worker::{Env, Queue, QueueContentType, RawMessageBuilder};

use super::Settings;

/// The binding of the queue webhook messages go to.
pub const QUEUE: &str = "WEBHOOKS";

/// Messages handed to the queue per batch (its limit is 100).
const BATCH: u32 = 100;

/// One message for the consumer: which organization's object holds it, and which round.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookJob {
    /// The directory entry of the organization whose object holds the message.
    pub organization: Organization,
    /// The message's id (`webhook-id`).
    pub message_id: String,
    /// The round it is sent in (a manual retry starts another).
    pub round: u32,
}

/// The webhook settings of this environment (see [`Settings`]).
pub fn settings(env: &Env) -> Settings {
    let var = |name: &str| env.var(name).ok().map(|value| value.to_string());
    Settings {
        loopback_http: var("WEBHOOK_LOOPBACK_HTTP").as_deref() == Some("true"),
        retry_base: var("WEBHOOK_RETRY_SECONDS")
            .and_then(|value| value.parse().ok())
            .filter(|seconds| *seconds > 0)
            .unwrap_or(30),
        hold_outbox: cfg!(feature = "test-clock")
            && var("WEBHOOK_TEST_HOLD_OUTBOX").as_deref() == Some("true"),
    }
}

/// Sends the outbox to `queue` in batches, marking each batch queued once the queue accepted
/// it: a message the queue never took stays in the outbox for the next hand-off.
pub async fn hand_off(
    api: &OrgService<'_, impl Sql>,
    queue: &Queue,
    organization: &Organization,
) -> Result<()> {
    loop {
        let batch = api.outbox(BATCH)?;
        if batch.is_empty() {
            return Ok(());
        }
        // As JSON text: the consumer reads it with the serde_json the Worker already carries.
        let jobs = batch
            .iter()
            .map(|queued| {
                let job = WebhookJob {
                    organization: organization.clone(),
                    message_id: queued.id.clone(),
                    round: queued.round,
                };
                let text = serde_json::to_string(&job).map_err(Error::internal)?;
                Ok(RawMessageBuilder::new(JsValue::from_str(&text))
                    .build_with_content_type(QueueContentType::Text))
            })
            .collect::<Result<Vec<_>>>()?;
        queue.send_raw_batch(jobs).await.map_err(Error::internal)?;
        api.mark_queued(&batch)?;
        if batch.len() < BATCH as usize {
            return Ok(());
        }
    }
}
