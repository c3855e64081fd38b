//! Lists at any depth: pages by cursor cover a list exactly once, totals come from counters the
//! schema keeps, and the statements behind them seek through an index (`EXPLAIN QUERY PLAN`).

use std::cell::RefCell;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::sqlite::Sqlite;
use super::{Org, T0};
use crate::error::Error;
use crate::model::PageRequest;
use crate::org::{NewUser, OrgService};
use crate::sql::{Remembering, Sql, Statement};

/// Bundled SQLite that records every query it answers.
struct Recording {
    db: Sqlite,
    queries: RefCell<Vec<Statement>>,
}

impl Sql for Recording {
    fn rows<T: DeserializeOwned>(&self, query: &Statement) -> Result<Vec<T>, Error> {
        self.queries.borrow_mut().push(query.clone());
        Sql::rows(&self.db, query)
    }

    fn commit(&self, writes: Vec<Statement>) -> Result<(), Error> {
        self.db.commit(writes)
    }
}

fn users(org: &Org, count: usize, at: u64) -> Vec<String> {
    (0..count)
        .map(|n| {
            let new = NewUser {
                email: Some(format!("user{n}-{at}@acme.test")),
                ..Default::default()
            };
            org.at(at).create_user(new).unwrap().id
        })
        .collect()
}

/// Every id of the users list, walked by cursor `per_page` at a time.
fn walk_users(org: &Org, per_page: u32) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page = PageRequest::numbered(1, per_page);
    // A walk that does not end within a page per user never will.
    for _ in 0..=100 {
        let listed = org.at(T0).users(page).unwrap();
        assert!(listed.data.len() <= per_page as usize);
        seen.extend(listed.data.into_iter().map(|user| user.id));
        match listed.next_cursor {
            Some(cursor) => page = PageRequest::after(cursor, per_page),
            None => return seen,
        }
    }
    panic!("the walk did not end: {} users seen", seen.len());
}

#[test]
fn a_walk_by_cursor_lists_every_user_once_in_creation_order() {
    let org = Org::new();
    // Users created in the same second are ordered by id: the cursor must break the tie.
    let mut created = users(&org, 7, T0 + 5);
    created.sort();
    let mut later = users(&org, 5, T0 + 9);
    later.sort();
    created.extend(later);
    for per_page in [1, 3, 5, 12, 100] {
        assert_eq!(walk_users(&org, per_page), created, "per_page {per_page}");
    }
    let numbered = org.at(T0).users(PageRequest::numbered(2, 5)).unwrap();
    let ids: Vec<_> = numbered.data.iter().map(|user| user.id.clone()).collect();
    assert_eq!(ids, created[5..10]);
    assert_eq!(numbered.total_count, 12);
    let after = org
        .at(T0)
        .users(PageRequest::after(numbered.next_cursor.unwrap(), 5))
        .unwrap();
    assert_eq!(after.data.len(), 2);
    assert_eq!(
        (after.page, after.next_page, after.next_cursor),
        (None, None, None)
    );
}

#[test]
fn totals_follow_insertions_and_deletions() {
    let org = Org::new();
    let ids = users(&org, 4, T0);
    let total = |org: &Org| {
        org.at(T0)
            .users(PageRequest::numbered(1, 1))
            .unwrap()
            .total_count
    };
    assert_eq!(total(&org), 4);
    org.at(T0).delete_user(&ids[0]).unwrap();
    assert_eq!(total(&org), 3);
    assert!(org.at(T0).delete_user(&ids[0]).is_err());
    assert_eq!(total(&org), 3, "a failed deletion counts nothing");
    let events = |org: &Org| {
        let page = org
            .at(T0)
            .audit_events(PageRequest::numbered(1, 2))
            .unwrap();
        (page.total_count, page.data.len())
    };
    assert_eq!(events(&org), (5, 2), "four creations and a deletion");
}

#[test]
fn a_walk_by_cursor_lists_every_audit_event_once_newest_first() {
    let org = Org::new();
    users(&org, 9, T0);
    let all = org
        .at(T0)
        .audit_events(PageRequest::numbered(1, 100))
        .unwrap();
    assert_eq!(all.total_count, 9);
    let mut seen = Vec::new();
    let mut page = PageRequest::numbered(1, 4);
    for _ in 0..=9 {
        let listed = org.at(T0).audit_events(page).unwrap();
        seen.extend(listed.data);
        match listed.next_cursor {
            Some(cursor) => page = PageRequest::after(cursor, 4),
            None => break,
        }
    }
    assert_eq!(seen, all.data);
}

#[test]
fn a_cursor_of_another_list_is_a_422() {
    let org = Org::new();
    users(&org, 3, T0);
    let cursor = org
        .at(T0)
        .users(PageRequest::numbered(1, 1))
        .unwrap()
        .next_cursor
        .unwrap();
    let error = org
        .at(T0)
        .audit_events(PageRequest::after(cursor, 1))
        .unwrap_err();
    assert_eq!(error.field(), Some("starting_after"));
    assert!(org.at(T0).users(PageRequest::after("nope", 1)).is_err());
}

#[derive(Deserialize)]
struct Plan {
    detail: String,
}

/// The plan of each query a listing ran, after a cursor.
fn plans(list: impl Fn(&OrgService<'_, Recording>, PageRequest) -> Option<String>) -> String {
    let org = Org::new();
    users(&org, 30, T0);
    let recording = Recording {
        db: org.db.into_engine(),
        queries: RefCell::new(Vec::new()),
    };
    let api = OrgService::new(&recording, &org.keys, &org.organization, T0);
    let cursor = list(&api, PageRequest::numbered(1, 10)).unwrap();
    recording.queries.borrow_mut().clear();
    list(&api, PageRequest::after(cursor, 10));
    let queries = recording.queries.take();
    assert!(!queries.is_empty());
    queries
        .iter()
        .map(|query| {
            let explain = Statement::new(
                format!("EXPLAIN QUERY PLAN {}", query.sql),
                query.params.clone(),
            );
            let steps: Vec<Plan> = Sql::rows(&recording.db, &explain).unwrap();
            let steps: Vec<_> = steps.into_iter().map(|step| step.detail).collect();
            format!("{}: {}", query.sql, steps.join("; "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// No step of `plans` reads a whole table of the list.
fn assert_seeks(plans: &str, table: &str) {
    for line in plans.lines() {
        let (_, steps) = line.rsplit_once(": ").unwrap();
        assert!(
            !steps.contains(&format!("SCAN {table}")) && !steps.contains("TEMP B-TREE"),
            "a scan or a sort: {line}"
        );
    }
}

#[test]
fn a_page_of_users_after_a_cursor_is_an_index_seek() {
    let plans = plans(|api, page| api.users(page).unwrap().next_cursor);
    assert!(
        plans.contains("SEARCH users USING INDEX users_by_creation ((created_at,id)>(?,?))"),
        "{plans}"
    );
    assert!(plans.contains("SEARCH counters USING INDEX"), "{plans}");
    assert_seeks(&plans, "users");
    assert!(
        !plans
            .lines()
            .any(|query| query.starts_with("SELECT count(")),
        "the total is a counter, not a count(*): {plans}"
    );
    assert_eq!(
        plans.lines().count(),
        3,
        "a page, its total, the policy: {plans}"
    );
}

#[test]
fn a_page_of_the_audit_trail_after_a_cursor_is_a_rowid_seek() {
    let plans = plans(|api, page| api.audit_events(page).unwrap().next_cursor);
    assert!(
        plans.contains("SEARCH audit_events USING INTEGER PRIMARY KEY (rowid<?)"),
        "{plans}"
    );
    assert_seeks(&plans, "audit_events");
}

#[test]
fn a_validation_by_id_reads_no_user_row_and_hashes_no_email() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let email = "emilie@communitiz-app.co";
    // Beneath the kept reads, as the object runs: the connection is read by the first call only.
    let recording = Remembering::new(Recording {
        db: org.db.into_engine(),
        queries: RefCell::new(Vec::new()),
    });
    let api = OrgService::new(&recording, &org.keys, &org.organization, T0 + 100);
    let wrong = super::wrong(totp.generate(T0 + 100).as_str());
    let queries = || recording.engine().queries.take();
    api.validate_challenge(&user, &wrong).unwrap();
    assert!(queries().iter().any(|q| q.sql.contains("FROM connection")));
    for (who, reads_users) in [(user.as_str(), false), (email, true)] {
        let result = api.validate_challenge(who, &wrong).unwrap();
        assert!(!result.success);
        let reads = queries();
        let users = reads
            .iter()
            .filter(|q| q.sql.contains("FROM users"))
            .count();
        assert_eq!(users > 0, reads_users, "{who}: {reads:?}");
        // The factors, the guard and the recovery codes left (and the user, by email).
        assert!(
            reads.len() <= 3 + usize::from(reads_users),
            "{who}: {reads:?}"
        );
    }
    assert_eq!(
        api.validate_challenge("nobody", &wrong).unwrap_err(),
        crate::error::Error::NotFound(crate::error::Record::User)
    );
}
