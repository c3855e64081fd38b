//! What moves a whole organization in or out of its object: the export streamed out a batch at
//! a time, a restore streamed in a line at a time, and the deletion of everything it holds.
//! Each holds a bounded amount of memory whatever the organization's size.

use std::rc::Rc;

use futures_util::StreamExt;
use futures_util::stream;
use totp_domain::error::{Error, Result};
use totp_domain::model::Organization;
use totp_domain::org::export::Exporter;
use totp_domain::org::{OrgService, RestoreReport};
use totp_domain::sql::Remembering;
use worker::{Request, Response, Storage};

use super::sql::ObjectSql;

/// The longest line a restore reads.
const MAX_LINE: usize = 1 << 20;

/// The export of `organization`'s storage as a stream of NDJSON chunks. A failure midway ends
/// the stream early: the export then lacks its end line, which a restore refuses.
pub fn export(
    sql: Rc<Remembering<ObjectSql>>,
    organization: Organization,
    now: u64,
) -> worker::Result<Response> {
    let chunks = stream::try_unfold(
        (Exporter::new(organization, now), sql),
        |(mut exporter, sql)| async move {
            match exporter.next_chunk(&*sql) {
                Ok(Some(chunk)) => Ok(Some((chunk.into_bytes(), (exporter, sql)))),
                Ok(None) => Ok(None),
                Err(error) => {
                    worker::console_error!("the export stopped: {error:?}");
                    Err(worker::Error::RustError("the export stopped".into()))
                }
            }
        },
    );
    let mut response = Response::from_stream(chunks)?;
    response
        .headers_mut()
        .set("content-type", "application/x-ndjson")?;
    Ok(response)
}

/// Loads the export `request` streams into the organization, a line at a time; a bad line or
/// a cut stream abandons it (what was loaded is deleted).
pub async fn restore(
    api: &OrgService<'_, Remembering<ObjectSql>>,
    request: &mut Request,
) -> Result<RestoreReport> {
    let mut restore = api.begin_restore()?;
    let mut body = request.stream().map_err(Error::internal)?;
    let mut pending: Vec<u8> = Vec::new();
    let mut fed = Ok(());
    while fed.is_ok() {
        let Some(chunk) = body.next().await else {
            break;
        };
        fed = chunk.map_err(Error::internal).and_then(|chunk| {
            pending.extend_from_slice(&chunk);
            take_lines(api, &mut restore, &mut pending)
        });
    }
    let fed = fed.and_then(|()| match std::str::from_utf8(&pending) {
        Ok(last) => api.restore_line(&mut restore, last),
        Err(_) => Err(not_text()),
    });
    match fed {
        Ok(()) => api.finish_restore(restore),
        Err(error) => {
            api.abandon_restore(restore)?;
            Err(error)
        }
    }
}

/// Feeds each complete line of `pending` to the restore, keeping the unfinished one.
fn take_lines(
    api: &OrgService<'_, Remembering<ObjectSql>>,
    restore: &mut totp_domain::org::Restore,
    pending: &mut Vec<u8>,
) -> Result<()> {
    let mut start = 0;
    while let Some(end) = pending[start..].iter().position(|byte| *byte == b'\n') {
        let line = std::str::from_utf8(&pending[start..start + end]).map_err(|_| not_text())?;
        api.restore_line(restore, line)?;
        start += end + 1;
    }
    pending.drain(..start);
    if pending.len() > MAX_LINE {
        return Err(Error::invalid("export", "has a line over 1 MiB"));
    }
    Ok(())
}

fn not_text() -> Error {
    Error::invalid("export", "is not UTF-8 text")
}

/// Deletes everything the object stores and its alarm, then leaves a tombstone: a call that
/// still finds this organization (a cache in another isolate) answers 404 instead of starting
/// it over.
pub async fn delete(storage: &Storage, sql: &Remembering<ObjectSql>) -> Result<()> {
    storage.delete_alarm().await.map_err(Error::internal)?;
    storage.delete_all().await.map_err(Error::internal)?;
    // Deleted without a statement: nothing read before stays true.
    sql.forget_all();
    totp_domain::org::store::bury(sql)
}
