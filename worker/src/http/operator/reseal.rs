//! The operator's re-seal walk: through the directory, organization by organization, each
//! object re-sealing its secrets under the current key until the limit is reached.

use totp_domain::model::Organization;
use totp_domain::org::ResealReport;

use crate::http::Result;
use crate::http::call::Call;
use crate::org_object::OrgCommand;
use crate::wire::problem::HttpError;

/// Organizations read from the directory at a time.
const WALK_PAGE: u32 = 100;

/// Walks the directory, re-sealing up to `limit` secrets across organizations' objects.
pub async fn walk(call: &Call<'_>, limit: u32) -> Result<ResealReport> {
    let control = call.control();
    let mut total = ResealReport::default();
    let mut after: Option<Organization> = None;
    'walk: loop {
        let organizations = control.all_organizations(after.as_ref(), WALK_PAGE).await?;
        for organization in &organizations {
            if total.resealed >= limit {
                total.remaining = true;
                break 'walk;
            }
            let command = OrgCommand::Reseal {
                limit: limit - total.resealed,
            };
            let mut response = call.object(organization, command, None).await?;
            if response.status_code() != 200 {
                // The object logged the cause under this request id.
                return Err(HttpError::internal(format!(
                    "re-seal failed in organization {} with status {}",
                    organization.id,
                    response.status_code()
                )));
            }
            let report: ResealReport = response.json().await.map_err(HttpError::internal)?;
            total.resealed += report.resealed;
            total.remaining |= report.remaining;
        }
        match organizations.last() {
            Some(last) if organizations.len() as u32 == WALK_PAGE => after = Some(last.clone()),
            _ => break,
        }
    }
    Ok(total)
}
