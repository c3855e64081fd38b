//! Idempotent creating requests of the control plane (organizations). D1 is shared by every
//! isolate, so a key is claimed with a row before the request runs: a retry that arrives while
//! it runs finds the row without an answer and gets 409; a request that fails releases its key.

use std::future::Future;

use crate::error::{Error, Result};
use crate::idempotency::{Answer, IdempotentRequest, Outcome, RETENTION, mismatch};
use crate::model::Tenant;
use crate::sql::{ControlDb, unblob};

use super::{Control, store};

/// A claim older than this without an answer belongs to a request that died: it is released.
const ABANDONED_AFTER: u64 = 60;

impl<D: ControlDb> Control<'_, D> {
    /// Replays the answer kept for `request`, or runs `run` and keeps its answer if it
    /// succeeded.
    pub async fn idempotent<F, Fut>(
        &self,
        tenant: &Tenant,
        request: &IdempotentRequest,
        run: F,
    ) -> Result<Outcome>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer>>,
    {
        store::forget_keys_before(self.db, self.now.saturating_sub(RETENTION)).await?;
        if !store::claim_key(self.db, tenant, request, self.now).await? {
            let claimed = store::claimed_key(self.db, tenant, request).await?;
            match claimed {
                Some(kept) if kept.fingerprint != request.fingerprint => return Err(mismatch()),
                Some(kept) => match kept.sealed_answer {
                    Some(sealed) => return self.replay(request, &sealed),
                    None if kept.created_at + ABANDONED_AFTER > self.now => {
                        return Err(still_running());
                    }
                    None => store::release_key(self.db, tenant, request).await?,
                },
                // Released in between.
                None => {}
            }
            if !store::claim_key(self.db, tenant, request, self.now).await? {
                return Err(still_running());
            }
        }
        let answer = match run().await {
            Ok(answer) => answer,
            Err(error) => {
                store::release_key(self.db, tenant, request).await?;
                return Err(error);
            }
        };
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&answer).map_err(Error::internal)?);
        let sealed = self.keys.seal_answer(&json, &request.scope())?;
        store::keep_answer(self.db, tenant, request, &sealed).await?;
        Ok(Outcome {
            answer,
            replayed: false,
        })
    }

    fn replay(&self, request: &IdempotentRequest, sealed: &str) -> Result<Outcome> {
        let json = self.keys.open_answer(&unblob(sealed)?, &request.scope())?;
        Ok(Outcome {
            answer: serde_json::from_slice(&json).map_err(Error::internal)?,
            replayed: true,
        })
    }
}

fn still_running() -> Error {
    Error::IdempotencyKeyInUse
}
