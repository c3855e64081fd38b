//! Idempotent creating requests of the control plane (organizations). D1 is shared by every
//! isolate, so a key is claimed with a row before the request runs: a retry that arrives while
//! it runs finds the row without an answer and gets 409; a request that fails releases its key.

use std::future::Future;

use crate::error::{Error, Result};
use crate::idempotency::{self, Answer, IdempotentRequest, Outcome};
use crate::model::Tenant;
use crate::sql::ControlDb;

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
        store::forget_keys_before(self.db, idempotency::expired_before(self.now)).await?;
        if !store::claim_key(self.db, tenant, request, self.now).await? {
            if let Some(kept) = store::claimed_key(self.db, tenant, request).await? {
                idempotency::check_fingerprint(request, &kept.fingerprint)?;
                match kept.sealed_answer {
                    Some(sealed) => return idempotency::replay(self.keys, request, &sealed),
                    None if kept.created_at + ABANDONED_AFTER > self.now => {
                        return Err(still_running());
                    }
                    None => store::release_key(self.db, tenant, request).await?,
                }
            }
            // Released, by us or in between: claim it again.
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
        let sealed = idempotency::seal(self.keys, request, &answer)?;
        // The organization a creation's answer names: deleting it forgets the answer.
        let about = answer.body.get("id").and_then(|id| id.as_str());
        store::keep_answer(self.db, tenant, request, &sealed, about).await?;
        Ok(Outcome::fresh(answer))
    }
}

fn still_running() -> Error {
    Error::IdempotencyKeyInUse
}
