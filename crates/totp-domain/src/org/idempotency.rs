//! Idempotent creating requests inside one organization. The object runs one call at a time
//! and this runs without an await, so a retry never overlaps the first request here: it finds
//! the kept answer. Kept answers are sealed, scoped to the API key that made them, and deleted
//! once [`RETENTION`](idempotency::RETENTION) has passed (by the next keyed request, and by the
//! object's alarm, set for the oldest one's expiry) or, sooner, in the transaction of the
//! change that ends what they hold (see [`AnswerKind`]). Every replay is audited.

use crate::error::Result;
use crate::idempotency::{self, Answer, IdempotentRequest, Outcome};
use crate::sql::Sql;

use super::audit::AuditKind;
use super::store::AnswerKind;
use super::{OrgService, store};

/// Deletes the answers kept longer than [`RETENTION`](idempotency::RETENTION) at `now`; the
/// seconds until the next one expires, if any remains.
pub fn forget_expired_answers(sql: &impl Sql, now: u64) -> Result<Option<u64>> {
    sql.commit(vec![store::forget_answers_before(
        idempotency::expired_before(now),
    )])?;
    Ok(store::oldest_answer(sql)?.map(|oldest| idempotency::expires_in(oldest, now)))
}

impl<S: Sql> OrgService<'_, S> {
    /// Replays the answer this API key was given for `request`, or runs `run` and keeps its
    /// answer (holding `kind`) if it succeeded.
    pub fn idempotent(
        &self,
        request: &IdempotentRequest,
        kind: AnswerKind,
        run: impl FnOnce() -> Result<Answer>,
    ) -> Result<Outcome> {
        forget_expired_answers(self.sql, self.now)?;
        if let Some(kept) = store::kept_answer(self.sql, request)? {
            idempotency::check_fingerprint(request, &kept.fingerprint)?;
            let outcome = idempotency::replay(self.keys, request, &kept.sealed_answer)?;
            // The route and the user, never the body: a replay hands out what the answer holds.
            self.sql.commit(vec![self.audit(
                AuditKind::IdempotencyReplayed,
                kept.subject.as_deref(),
                Some(request.route.clone()),
            )])?;
            return Ok(outcome);
        }
        let answer = run()?;
        let sealed = idempotency::seal(self.keys, request, &answer)?;
        let subject = answer
            .body
            .get("user_id")
            .or_else(|| answer.body.get("id"))
            .and_then(|id| id.as_str());
        self.sql.commit(vec![store::keep_answer(
            request, kind, &sealed, subject, self.now,
        )])?;
        Ok(Outcome::fresh(answer))
    }
}
