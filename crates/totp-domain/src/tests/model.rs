//! The security rules as invariants of the stored state: random sequences of an organization's
//! operations (users created, changed and deleted; connection changes; enrollments, forced,
//! added beside other factors or neither; validations with right, wrong, replayed, retired and
//! recovery codes, some remembering the device; challenges by app and SMS; regeneration;
//! removal of one factor or all; imports with and without `replace`; trusted-device
//! verifications; idempotent retries by two API keys; the clock moving by seconds, hours and
//! days) run against the domain on bundled SQLite. A small reference model drives them and says which users exist; what the service
//! stored and answered is checked after every step against what the test has seen:
//!
//! - a (secret, time step) is accepted at most once;
//! - only a current secret validates (never a removed or replaced one);
//! - failures fall only on a success or a forced enrollment;
//! - a user in backoff or hard lock validates nothing (the attempt is refused unseen);
//! - a kept answer never holds a secret that is not pending;
//! - a recovery code is spent at most once, and at most one per 24 hours;
//! - a device stays trusted only while every secret active when it was remembered stays
//!   active, no recovery code or forced enrollment came since, and it has not expired;
//! - a user holds at most five factors;
//! - a failed operation changes nothing, and every committed change has its audit event.
//!
//! `MODEL_CASES` sets the number of sequences (`make test`: the default below; `make soak`:
//! many more).

use std::collections::HashSet;

use otp_core::{Secret, Totp};
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use serde_json::{Value as Json, json};

use super::sqlite::Sqlite;
use super::{Org, T0};
use crate::error::{Error, Result};
use crate::factor::FactorStatus;
use crate::guard::RECOVERY_INTERVAL;
use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
use crate::lockout::LockoutPolicy;
use crate::model::PageRequest;
use crate::org::{
    AnswerKind, ConnectionUpdate, EnrollOptions, ImportEntry, ImportRequest, NewUser, OrgService,
    RememberDevice, UserUpdate,
};
use crate::sql::{Remembering, unblob};

const SLOTS: usize = 2;

/// Which code an attempt sends.
#[derive(Clone, Copy, Debug)]
enum Code {
    /// An active secret's code (which one, modulo their number), `offset` steps from now.
    Active(usize, i8),
    /// The code of a secret being enrolled (pending, or beside an active one).
    Enrolling(usize, i8),
    /// A code of a secret seen earlier (maybe retired since).
    Seen(usize),
    /// The last code sent by SMS.
    Sms,
    /// A recovery code issued earlier.
    Recovery(usize),
    /// A code no current secret gives.
    Wrong,
}

#[derive(Clone, Debug)]
enum Step {
    CreateUser(usize),
    UpdateUser(usize),
    DeleteUser(usize),
    Connection {
        active: bool,
        sms: bool,
        max_attempts: u64,
    },
    /// With an `Idempotency-Key` (key number, API key number) or without.
    Enroll {
        slot: usize,
        force: bool,
        add: bool,
        key: Option<(u8, u8)>,
    },
    ValidateEnrollment(usize, Code),
    Challenge {
        slot: usize,
        key: Option<(u8, u8)>,
    },
    ValidateChallenge {
        slot: usize,
        code: Code,
        remember: bool,
    },
    Regenerate(usize, Code),
    RemoveFactor(usize),
    /// One factor (which one, modulo their number).
    RemoveOne(usize, usize),
    /// A device token seen earlier (which one, modulo their number), or a made-up one.
    VerifyDevice(usize, Option<usize>),
    /// A fresh secret, or one seen before (imported again).
    Import {
        slot: usize,
        seen: Option<usize>,
        replace: bool,
    },
    Wait(u64),
    /// The last request sent with an `Idempotency-Key`, again, as a backend that timed out.
    Retry,
}

/// The reference model: the clock and which users exist.
#[derive(Clone, Debug, Default)]
struct Model {
    now: u64,
    users: [bool; SLOTS],
}

struct Reference;

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        3 => (0usize..3, -1i8..=1).prop_map(|(i, o)| Code::Active(i, o)),
        3 => (0usize..3, -1i8..=1).prop_map(|(i, o)| Code::Enrolling(i, o)),
        1 => (0usize..8).prop_map(Code::Seen),
        1 => Just(Code::Sms),
        1 => (0usize..12).prop_map(Code::Recovery),
        2 => Just(Code::Wrong),
    ]
}

fn key() -> impl Strategy<Value = Option<(u8, u8)>> {
    proptest::option::of((0u8..2, 0u8..2))
}

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            now: T0,
            users: [true; SLOTS],
        })
        .boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Step> {
        let slot = 0..SLOTS;
        prop_oneof![
            1 => slot.clone().prop_map(Step::CreateUser),
            1 => slot.clone().prop_map(Step::UpdateUser),
            1 => slot.clone().prop_map(Step::DeleteUser),
            1 => (proptest::bool::weighted(0.8), proptest::bool::weighted(0.2), prop_oneof![Just(1u64), Just(3)])
                .prop_map(|(active, sms, max_attempts)| Step::Connection { active, sms, max_attempts }),
            3 => (slot.clone(), proptest::bool::weighted(0.2), proptest::bool::weighted(0.3), key())
                .prop_map(|(slot, force, add, key)| Step::Enroll { slot, force, add, key }),
            3 => (slot.clone(), code()).prop_map(|(s, c)| Step::ValidateEnrollment(s, c)),
            2 => (slot.clone(), key()).prop_map(|(slot, key)| Step::Challenge { slot, key }),
            5 => (slot.clone(), code(), proptest::bool::weighted(0.4))
                .prop_map(|(slot, code, remember)| Step::ValidateChallenge { slot, code, remember }),
            1 => (slot.clone(), code()).prop_map(|(s, c)| Step::Regenerate(s, c)),
            1 => slot.clone().prop_map(Step::RemoveFactor),
            1 => (slot.clone(), 0usize..3).prop_map(|(s, i)| Step::RemoveOne(s, i)),
            3 => (slot.clone(), proptest::option::weighted(0.8, 0usize..6))
                .prop_map(|(s, i)| Step::VerifyDevice(s, i)),
            2 => (slot, proptest::option::of(0usize..8), any::<bool>())
                .prop_map(|(slot, seen, replace)| Step::Import { slot, seen, replace }),
            4 => prop_oneof![1u64..40, Just(3600), Just(RECOVERY_INTERVAL)].prop_map(Step::Wait),
            3 => Just(Step::Retry),
        ]
        .boxed()
    }

    fn apply(mut model: Model, step: &Step) -> Model {
        match *step {
            Step::CreateUser(slot) => model.users[slot] = true,
            Step::DeleteUser(slot) => model.users[slot] = false,
            Step::Wait(seconds) => model.now += seconds,
            _ => {}
        }
        model
    }
}

/// A secret with its parameters, as the test saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Known {
    secret: Vec<u8>,
    totp_parameters: (otp_core::Algorithm, otp_core::Digits, u64),
    /// Codes come by SMS: the secret answers none.
    sms: bool,
}

impl Known {
    fn totp(&self) -> Totp {
        let (algorithm, digits, period) = self.totp_parameters;
        Totp::new(
            &Secret::new(self.secret.clone()).unwrap(),
            algorithm,
            digits,
            period,
        )
        .unwrap()
    }
}

/// What the test has seen of one user: what it can send, and what was accepted.
#[derive(Default)]
struct Seen {
    id: Option<String>,
    secrets: Vec<Known>,
    recovery_codes: Vec<String>,
    sms_code: Option<String>,
    spent_recovery: HashSet<String>,
    last_recovery: Option<u64>,
    spent_sms: HashSet<String>,
    devices: Vec<Device>,
}

/// A device token the test was given, and whether the rules have revoked it since.
#[derive(Clone, Debug)]
struct Device {
    token: String,
    expires_at: u64,
    revoked: bool,
}

/// The service, and what the test has seen of it.
struct System {
    org: Org,
    now: u64,
    seen: [Seen; SLOTS],
    /// Every accepted (secret, period, step).
    accepted: HashSet<(Vec<u8>, u64, u64)>,
    /// The last step sent with an `Idempotency-Key`.
    last_keyed: Option<Step>,
}

/// A user's current secrets as stored: the active ones and those being enrolled.
#[derive(Default)]
struct Current {
    active: Vec<Known>,
    enrolling: Vec<Known>,
}

impl System {
    fn current(&self, user: &str) -> Current {
        let factors = crate::org::store::factors(&self.org.db, user).unwrap();
        let known = |e: &crate::factor::Enrollment| Known {
            secret: self
                .org
                .keys
                .open(&e.sealed_secret, user)
                .unwrap()
                .as_bytes()
                .to_vec(),
            totp_parameters: (e.algorithm, e.digits, e.period),
            sms: e.method == crate::model::Method::Sms,
        };
        let enrolling = factors
            .iter()
            .filter(|f| f.is_enrolling())
            .map(|f| known(f.enrolling()))
            .collect();
        let active = factors
            .iter()
            .filter(|f| f.status == FactorStatus::Active)
            .map(|f| known(&f.enrollment))
            .collect();
        Current { active, enrolling }
    }

    fn remember(&mut self, slot: usize) {
        let Some(user) = self.seen[slot].id.clone() else {
            return;
        };
        let current = self.current(&user);
        for known in current.active.into_iter().chain(current.enrolling) {
            if !self.seen[slot].secrets.contains(&known) {
                self.seen[slot].secrets.push(known);
            }
        }
    }

    fn remember_answer(&mut self, slot: usize, body: &Json) {
        if let Some(codes) = body["recovery_codes"].as_str() {
            self.seen[slot]
                .recovery_codes
                .extend(codes.lines().map(str::to_owned));
        }
        if let Some(code) = body["code"].as_str() {
            self.seen[slot].sms_code = Some(code.to_owned());
        }
    }

    /// A token the test was just given: the newest of at most ten kept per user.
    fn remember_device(&mut self, slot: usize, token: String, expires_at: u64) {
        let now = self.now;
        let devices = &mut self.seen[slot].devices;
        devices.push(Device {
            token,
            expires_at,
            revoked: false,
        });
        let live: Vec<usize> = (0..devices.len())
            .filter(|&i| !devices[i].revoked && devices[i].expires_at >= now)
            .collect();
        let over = live.len().saturating_sub(crate::org::MAX_DEVICES as usize);
        for &i in &live[..over] {
            devices[i].revoked = true;
        }
    }

    /// The rules revoked every device of the user in `slot`.
    fn revoke_devices(&mut self, slot: usize) {
        for device in &mut self.seen[slot].devices {
            device.revoked = true;
        }
    }

    fn code(&self, slot: usize, code: Code) -> String {
        let seen = &self.seen[slot];
        let current = seen.id.as_deref().map(|user| self.current(user));
        let at = |known: &Known, offset: i8| {
            let totp = known.totp();
            let step = totp.step(self.now).saturating_add_signed(i64::from(offset));
            totp.generate_at_step(step).as_str().to_owned()
        };
        let nth =
            |list: &[Known], i: usize| (!list.is_empty()).then(|| list[i % list.len()].clone());
        let pick = match code {
            Code::Active(i, offset) => current
                .as_ref()
                .and_then(|c| nth(&c.active, i))
                .map(|k| at(&k, offset)),
            Code::Enrolling(i, offset) => current
                .as_ref()
                .and_then(|c| nth(&c.enrolling, i))
                .map(|k| at(&k, offset)),
            Code::Seen(i) => {
                (!seen.secrets.is_empty()).then(|| at(&seen.secrets[i % seen.secrets.len()], 0))
            }
            Code::Sms => seen.sms_code.clone(),
            Code::Recovery(i) => (!seen.recovery_codes.is_empty())
                .then(|| seen.recovery_codes[i % seen.recovery_codes.len()].clone()),
            Code::Wrong => None,
        };
        pick.unwrap_or_else(|| self.wrong(slot))
    }

    /// A six-digit code that no secret of the user gives near now.
    fn wrong(&self, slot: usize) -> String {
        let near: HashSet<String> = self.seen[slot]
            .secrets
            .iter()
            .flat_map(|k| (-1i64..=1).map(move |o| (k, o)))
            .map(|(k, o)| {
                let totp = k.totp();
                let step = totp.step(self.now).saturating_add_signed(o);
                totp.generate_at_step(step).as_str().to_owned()
            })
            .collect();
        (0..)
            .map(|n: u32| format!("{:06}", (self.now as u32).wrapping_add(n) % 1_000_000))
            .find(|code| !near.contains(code))
            .unwrap()
    }

    fn keyed(&self, slot: usize, route: &str, key: (u8, u8), fields: Json) -> IdempotentRequest {
        IdempotentRequest::new(
            &format!("{route}-{slot}-{}", key.0),
            format!("POST /{route}"),
            fingerprint(&fields),
            format!("client-{}", key.1),
        )
        .unwrap()
    }

    fn guard(&self, slot: usize) -> Option<crate::guard::Guard> {
        self.seen[slot]
            .id
            .as_deref()
            .map(|user| self.org.guard(user))
    }

    fn audit_count(&self) -> u64 {
        let page = PageRequest::numbered(1, 1);
        self.org
            .at(self.now)
            .audit_events(page)
            .unwrap()
            .total_count
    }

    /// Everything stored but the audit trail and the kept answers.
    fn digest(&self) -> String {
        let mut tables = super::export(&self.org).tables;
        tables.remove("audit_events");
        tables.remove("idempotency");
        Json::Object(tables).to_string()
    }
}

/// What one step did, for the checks.
enum Outcome {
    /// Refused or failed: nothing may have changed.
    Failed,
    /// Committed, or answered without a change.
    Done,
    /// A kept answer was replayed.
    Replayed(Json),
    /// A code was checked.
    Attempt {
        slot: usize,
        sent: String,
        kind: Attempted,
        success: bool,
        recovery: bool,
        remembered: bool,
        /// The unused recovery codes the answer counted.
        remaining: u32,
    },
    /// A device token was verified (a failure is counted, unaudited).
    Verified {
        slot: usize,
        token: Option<usize>,
        trusted: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempted {
    Enrollment,
    Challenge,
    Proof,
}

/// An answer's body as JSON.
fn json(value: impl serde::Serialize) -> Json {
    serde_json::to_value(value).unwrap()
}

fn outcome<T>(result: Result<T>, done: impl FnOnce(T) -> Outcome) -> Outcome {
    match result {
        Ok(value) => done(value),
        Err(Error::Internal(message)) => panic!("internal error: {message}"),
        Err(_) => Outcome::Failed,
    }
}

impl System {
    fn run(&mut self, step: Step) -> Outcome {
        if matches!(
            step,
            Step::Enroll { key: Some(_), .. } | Step::Challenge { key: Some(_), .. }
        ) {
            self.last_keyed = Some(step.clone());
        }
        let now = self.now;
        let user = |slot: usize| {
            self.seen[slot]
                .id
                .clone()
                .unwrap_or_else(|| "nobody".into())
        };
        match step {
            Step::CreateUser(slot) => {
                let new = NewUser {
                    email: Some(format!("u{slot}@acme.test")),
                    ..Default::default()
                };
                let created = self.org.at(now).create_user(new);
                outcome(created, |user| {
                    self.seen[slot] = Seen {
                        id: Some(user.id),
                        ..Seen::default()
                    };
                    Outcome::Done
                })
            }
            Step::UpdateUser(slot) => {
                let update = UserUpdate {
                    given_name: Some(format!("n{now}")),
                    ..Default::default()
                };
                outcome(self.org.at(now).update_user(&user(slot), update), |_| {
                    Outcome::Done
                })
            }
            Step::DeleteUser(slot) => outcome(self.org.at(now).delete_user(&user(slot)), |()| {
                self.seen[slot] = Seen::default();
                Outcome::Done
            }),
            Step::Connection {
                active,
                sms,
                max_attempts,
            } => {
                let update = ConnectionUpdate {
                    active: Some(active),
                    method: Some(if sms { "sms" } else { "totp_app" }.into()),
                    max_attempts: Some(max_attempts),
                    ..Default::default()
                };
                outcome(self.org.at(now).update_connection(update), |_| {
                    Outcome::Done
                })
            }
            Step::Enroll {
                slot,
                force,
                add,
                key,
            } => {
                let id = user(slot);
                let fields = json!({ "user_id": id, "force_enroll": force, "add_factor": add });
                let keyed = key.map(|key| {
                    (
                        self.keyed(slot, "enroll", key, fields),
                        AnswerKind::Enrollment,
                    )
                });
                let options = EnrollOptions {
                    force,
                    add_factor: add,
                    friendly_name: None,
                };
                self.create(slot, keyed, |service| {
                    service.enroll_with(&id, options).map(json)
                })
            }
            Step::Challenge { slot, key } => {
                let id = user(slot);
                let fields = json!({ "user_id": id });
                let keyed = key.map(|key| {
                    (
                        self.keyed(slot, "challenge", key, fields),
                        AnswerKind::Challenge,
                    )
                });
                self.create(slot, keyed, |service| {
                    service.create_challenge(&id).map(json)
                })
            }
            Step::ValidateEnrollment(slot, code) => self.validate_enrollment(slot, code),
            Step::ValidateChallenge {
                slot,
                code,
                remember,
            } => {
                let sent = self.code(slot, code);
                let remember = RememberDevice {
                    remember_device: remember,
                    device_name: None,
                };
                let result =
                    self.org
                        .at(now)
                        .validate_challenge_remembering(&user(slot), &sent, remember);
                outcome(result, |r| {
                    if let (Some(token), Some(expires_at)) = (&r.device_token, r.device_expires_at)
                    {
                        self.remember_device(slot, token.clone(), expires_at);
                    }
                    Outcome::Attempt {
                        slot,
                        sent,
                        kind: Attempted::Challenge,
                        success: r.success,
                        recovery: r.recovery_code_used,
                        remembered: r.device_token.is_some(),
                        remaining: r.recovery_codes_remaining,
                    }
                })
            }
            Step::RemoveOne(slot, index) => {
                let id = user(slot);
                let factors = crate::org::store::factors(&self.org.db, &id).unwrap();
                let factor = match factors.len() {
                    0 => "none".to_owned(),
                    n => factors[index % n].id.clone(),
                };
                outcome(self.org.at(now).delete_factor(&id, &factor), |()| {
                    Outcome::Done
                })
            }
            Step::VerifyDevice(slot, index) => {
                let devices = &self.seen[slot].devices;
                let index = index
                    .filter(|_| !devices.is_empty())
                    .map(|i| i % devices.len());
                let token = index.map_or_else(
                    || "made-up-token-of-no-device".to_owned(),
                    |i| devices[i].token.clone(),
                );
                let result = self.org.at(now).verify_device(&user(slot), Some(token));
                outcome(result, |v| Outcome::Verified {
                    slot,
                    token: index,
                    trusted: v.trusted,
                })
            }
            Step::Regenerate(slot, code) => {
                let sent = self.code(slot, code);
                let result = self
                    .org
                    .at(now)
                    .regenerate_recovery_codes(&user(slot), &sent);
                outcome(result, |r| {
                    if let Some(codes) = &r.recovery_codes {
                        self.seen[slot]
                            .recovery_codes
                            .extend(codes.lines().map(str::to_owned));
                    }
                    Outcome::Attempt {
                        slot,
                        sent,
                        kind: Attempted::Proof,
                        success: r.result.success,
                        recovery: false,
                        remembered: false,
                        remaining: r.result.recovery_codes_remaining,
                    }
                })
            }
            Step::RemoveFactor(slot) => {
                outcome(self.org.at(now).delete_enrollment(&user(slot)), |()| {
                    Outcome::Done
                })
            }
            Step::Import {
                slot,
                seen,
                replace,
            } => {
                let secrets = &self.seen[slot].secrets;
                let secret = match seen {
                    Some(i) if !secrets.is_empty() => secrets[i % secrets.len()].secret.clone(),
                    _ => Secret::generate().unwrap().as_bytes().to_vec(),
                };
                let base32 = Secret::new(secret).unwrap().to_base32().to_string();
                let request = ImportRequest {
                    factors: vec![ImportEntry {
                        user_id: Some(user(slot)),
                        otpauth_uri: Some(format!("otpauth://totp/x:y?secret={base32}")),
                        ..Default::default()
                    }],
                    issue_recovery_codes: true,
                    replace,
                    add_factor: false,
                };
                outcome(self.org.at(now).import_factors(request), |report| {
                    for result in &report.results {
                        if let Some(codes) = &result.recovery_codes {
                            self.seen[slot]
                                .recovery_codes
                                .extend(codes.lines().map(str::to_owned));
                        }
                    }
                    Outcome::Done
                })
            }
            Step::Wait(seconds) => {
                self.now += seconds;
                Outcome::Done
            }
            Step::Retry => match self.last_keyed.clone() {
                Some(step) => self.run(step),
                None => Outcome::Done,
            },
        }
    }

    /// Runs a creating operation for the user in `slot`, with its `Idempotency-Key` if `keyed`,
    /// and remembers what its answer handed out.
    fn create(
        &mut self,
        slot: usize,
        keyed: Option<(IdempotentRequest, AnswerKind)>,
        operation: impl FnOnce(&OrgService<'_, Remembering<Sqlite>>) -> Result<Json>,
    ) -> Outcome {
        let service = self.org.at(self.now);
        let run = || operation(&service).map(|body| Answer { status: 201, body });
        let result = match &keyed {
            None => run().map(|answer| (answer, false)),
            Some((request, kind)) => service
                .idempotent(request, *kind, run)
                .map(|o| (o.answer, o.replayed)),
        };
        outcome(result, |(answer, replayed)| {
            self.remember_answer(slot, &answer.body);
            if replayed {
                Outcome::Replayed(answer.body)
            } else {
                Outcome::Done
            }
        })
    }

    /// Sends `code` to validate an enrollment of the user in `slot`.
    fn validate_enrollment(&mut self, slot: usize, code: Code) -> Outcome {
        let sent = self.code(slot, code);
        let user = self.seen[slot]
            .id
            .clone()
            .unwrap_or_else(|| "nobody".into());
        let result = self.org.at(self.now).validate_enrollment(&user, &sent);
        outcome(result, |r| Outcome::Attempt {
            slot,
            sent,
            kind: Attempted::Enrollment,
            success: r.success,
            recovery: r.recovery_code_used,
            remembered: false,
            remaining: r.recovery_codes_remaining,
        })
    }

    /// Checks what an accepted or refused code did against what the test has seen.
    fn check_attempt(
        &mut self,
        slot: usize,
        sent: &str,
        kind: Attempted,
        recovery: bool,
        before: &Current,
    ) {
        if recovery {
            let seen = &mut self.seen[slot];
            assert!(
                seen.recovery_codes.iter().any(|c| c == sent),
                "an unknown recovery code"
            );
            assert!(
                seen.spent_recovery.insert(sent.to_owned()),
                "a recovery code spent twice"
            );
            if let Some(last) = seen.last_recovery {
                assert!(
                    last + RECOVERY_INTERVAL <= self.now,
                    "two recovery codes within 24 hours"
                );
            }
            seen.last_recovery = Some(self.now);
            return;
        }
        let secrets = match kind {
            Attempted::Enrollment => &before.enrolling,
            Attempted::Challenge | Attempted::Proof => &before.active,
        };
        assert!(
            !secrets.is_empty(),
            "a code was accepted for a user without that secret"
        );
        if secrets.iter().any(|secret| secret.sms)
            && self.seen[slot].sms_code.as_deref() == Some(sent)
        {
            // Single use, and only a code the test was sent.
            assert!(
                self.seen[slot].sms_code.as_deref() == Some(sent),
                "an SMS code never sent"
            );
            assert!(
                self.seen[slot].spent_sms.insert(sent.to_owned()),
                "an SMS code accepted twice"
            );
            return;
        }
        let matches: Vec<(Vec<u8>, u64, u64)> = secrets
            .iter()
            .filter(|secret| !secret.sms)
            .flat_map(|secret| {
                let totp = secret.totp();
                let center = totp.step(self.now);
                [center.saturating_sub(1), center, center + 1]
                    .into_iter()
                    .filter(move |step| totp.generate_at_step(*step).as_str() == sent)
                    .map(|step| (secret.secret.clone(), secret.totp_parameters.2, step))
            })
            .collect();
        assert!(!matches.is_empty(), "accepted a code of no current secret");
        let fresh: Vec<_> = matches
            .into_iter()
            .filter(|m| !self.accepted.contains(m))
            .collect();
        assert!(!fresh.is_empty(), "a (secret, step) accepted twice");
        self.accepted.extend(fresh);
    }

    /// A kept answer holds only the secret still being enrolled.
    fn check_kept_answers(&self) {
        let kept = super::export(&self.org).tables["idempotency"].clone();
        for row in kept.as_array().unwrap() {
            let field = |name: &str| row[name].as_str().unwrap().to_owned();
            let request = IdempotentRequest::new(
                &field("key"),
                field("route"),
                field("fingerprint"),
                field("client_id"),
            )
            .unwrap();
            let sealed = unblob(&field("sealed_answer")).unwrap();
            let answer: Answer = serde_json::from_slice(
                &self
                    .org
                    .keys
                    .open_answer(&sealed, &request.scope())
                    .unwrap(),
            )
            .unwrap();
            let Some(secret) = answer.body["secret"].as_str() else {
                continue;
            };
            let user = answer.body["user_id"].as_str().unwrap();
            let enrolling: Vec<String> = self
                .current(user)
                .enrolling
                .into_iter()
                .map(|k| Secret::new(k.secret).unwrap().to_base32().to_string())
                .collect();
            assert!(
                enrolling.iter().any(|pending| pending == secret),
                "a kept answer holds a secret that is not pending"
            );
        }
    }
}

struct Service;

impl StateMachineTest for Service {
    type SystemUnderTest = System;
    type Reference = Reference;

    fn init_test(model: &Model) -> System {
        let org = Org::new();
        org.configure(ConnectionUpdate {
            active: Some(true),
            trusted_device_days: Some(1),
            ..Default::default()
        });
        let mut system = System {
            org,
            now: model.now,
            seen: Default::default(),
            accepted: HashSet::new(),
            last_keyed: None,
        };
        for slot in 0..SLOTS {
            assert!(matches!(system.run(Step::CreateUser(slot)), Outcome::Done));
        }
        system
    }

    fn apply(mut system: System, model: &Model, step: Step) -> System {
        let guards: Vec<_> = (0..SLOTS).map(|slot| system.guard(slot)).collect();
        let befores: Vec<Current> = (0..SLOTS)
            .map(|slot| match &system.seen[slot].id {
                Some(user) => system.current(user),
                None => Current::default(),
            })
            .collect();
        let max_attempts = crate::org::store::connection(&system.org.db)
            .unwrap()
            .unwrap()
            .max_attempts;
        let (digest, audits) = (system.digest(), system.audit_count());
        let step = match step {
            Step::Retry => system.last_keyed.clone().unwrap_or(Step::Wait(0)),
            step => step,
        };
        let forced = matches!(step, Step::Enroll { force: true, .. });
        let stepped = step.clone();

        let outcome = system.run(step);

        let (digest_after, audits_after) = (system.digest(), system.audit_count());
        let audited = audits_after - audits;
        let mut succeeded = None;
        match &outcome {
            Outcome::Failed => {
                assert_eq!(digest, digest_after, "a refused {stepped:?} changed state");
                assert_eq!(audited, 0, "a refused {stepped:?} was audited");
            }
            Outcome::Replayed(body) => {
                assert_eq!(digest, digest_after, "a replay ran again");
                assert_eq!(audited, 1, "every replay is audited");
                if let (Some(secret), Some(user)) =
                    (body["secret"].as_str(), body["user_id"].as_str())
                {
                    let enrolling = system.current(user).enrolling;
                    assert!(
                        enrolling.into_iter().any(|k| Secret::new(k.secret)
                            .unwrap()
                            .to_base32()
                            .to_string()
                            == secret),
                        "a replay handed out a secret that is not pending"
                    );
                }
            }
            Outcome::Done => {
                if digest != digest_after {
                    assert_eq!(
                        audited, 1,
                        "{stepped:?} changed state with {audited} audit events"
                    );
                }
            }
            Outcome::Attempt {
                slot,
                sent,
                kind,
                success,
                recovery,
                remembered,
                remaining,
            } => {
                // The answer counts the recovery codes as stored after its change.
                let id = system.seen[*slot].id.clone().unwrap_or_default();
                let stored = crate::org::store::recovery_codes_left(&system.org.db, &id).unwrap();
                assert_eq!(*remaining, stored, "recovery codes counted on {stepped:?}");
                // One event for the attempt, one more for the lockout it reached, and one for
                // the device it remembered.
                let locked = system
                    .guard(*slot)
                    .is_some_and(|after| !success && after.locked_until > system.now);
                assert_eq!(
                    audited,
                    1 + u64::from(locked) + u64::from(*remembered),
                    "an attempt with {audited} audit events"
                );
                assert!(
                    !remembered || (*success && !recovery),
                    "remembered on {stepped:?}"
                );
                let guard = guards[*slot].clone().unwrap_or_default();
                let policy = LockoutPolicy::new(max_attempts);
                assert!(
                    !(policy.exhausted(guard.failures) || guard.locked_until > system.now),
                    "a locked user's attempt was checked: {stepped:?}"
                );
                if *success {
                    succeeded = Some(*slot);
                    let (sent, kind, recovery) = (sent.clone(), *kind, *recovery);
                    system.check_attempt(*slot, &sent, kind, recovery, &befores[*slot]);
                    if recovery {
                        system.revoke_devices(*slot);
                    }
                }
            }
            Outcome::Verified {
                slot,
                token,
                trusted,
            } => {
                assert_eq!(audited, 0, "verifications are counted, not audited");
                if *trusted {
                    let device = token.map(|i| system.seen[*slot].devices[i].clone());
                    assert!(
                        device.is_some_and(|d| !d.revoked && d.expires_at >= system.now),
                        "a revoked, expired or unknown device was trusted: {stepped:?}"
                    );
                }
            }
        }
        // Trust never outlives the secrets it was earned under.
        if let (
            false,
            Step::Enroll {
                slot, force: true, ..
            },
        ) = (matches!(outcome, Outcome::Failed), &stepped)
        {
            system.revoke_devices(*slot);
        }
        for (slot, before) in befores.iter().enumerate() {
            let Some(user) = system.seen[slot].id.clone() else {
                continue;
            };
            let after = system.current(&user);
            if before
                .active
                .iter()
                .any(|known| !after.active.contains(known))
            {
                system.revoke_devices(slot);
            }
            let held = crate::org::store::factors(&system.org.db, &user)
                .unwrap()
                .len();
            assert!(held <= crate::factor::MAX_FACTORS, "{held} factors");
        }
        for (slot, before) in guards.iter().enumerate() {
            let (Some(before), Some(after)) = (before, system.guard(slot)) else {
                continue;
            };
            if after.failures < before.failures {
                let forced_here =
                    forced && matches!(stepped, Step::Enroll { slot: s, .. } if s == slot);
                assert!(
                    succeeded == Some(slot) || (forced_here && !matches!(outcome, Outcome::Failed)),
                    "failures fell from {} to {} on {stepped:?}",
                    before.failures,
                    after.failures
                );
            }
        }
        for slot in 0..SLOTS {
            assert_eq!(
                system.seen[slot].id.is_some(),
                model.users[slot],
                "the model and the service disagree on user {slot}"
            );
            system.remember(slot);
        }
        system.check_kept_answers();
        system
    }
}

fn cases() -> u32 {
    std::env::var("MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(96)
}

prop_state_machine! {
    #![proptest_config(Config {
        cases: cases(),
        failure_persistence: None,
        .. Config::default()
    })]

    #[test]
    fn the_security_rules_hold_after_every_step(sequential 1..60 => Service);
}
