//! Idempotent creating requests inside one organization. The object runs one call at a time
//! and this runs without an await, so a retry never overlaps the first request here: it finds
//! the kept answer. Kept answers are sealed and forgotten after [`RETENTION`].

use crate::error::{Error, Result};
use crate::idempotency::{Answer, IdempotentRequest, Outcome, RETENTION, mismatch};
use crate::sql::{Sql, unblob};

use super::{OrgService, store};

impl<S: Sql> OrgService<'_, S> {
    /// Replays the answer kept for `request`, or runs `run` and keeps its answer if it
    /// succeeded.
    pub fn idempotent(
        &self,
        request: &IdempotentRequest,
        run: impl FnOnce() -> Result<Answer>,
    ) -> Result<Outcome> {
        self.sql.commit(vec![store::forget_answers_before(
            self.now.saturating_sub(RETENTION),
        )])?;
        if let Some(kept) = store::kept_answer(self.sql, &request.key, &request.route)? {
            if kept.fingerprint != request.fingerprint {
                return Err(mismatch());
            }
            let json = self
                .keys
                .open_answer(&unblob(&kept.sealed_answer)?, &request.scope())?;
            let answer = serde_json::from_slice(&json).map_err(Error::internal)?;
            return Ok(Outcome {
                answer,
                replayed: true,
            });
        }
        let answer = run()?;
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&answer).map_err(Error::internal)?);
        let sealed = self.keys.seal_answer(&json, &request.scope())?;
        let subject = answer
            .body
            .get("user_id")
            .or_else(|| answer.body.get("id"))
            .and_then(|id| id.as_str());
        self.sql.commit(vec![store::keep_answer(
            &request.key,
            &request.route,
            &request.fingerprint,
            &sealed,
            subject,
            self.now,
        )])?;
        Ok(Outcome {
            answer,
            replayed: false,
        })
    }
}
