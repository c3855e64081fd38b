//! An account's operations, for its bearer token: its organizations in D1, and everything
//! under `/api/v2/org/{org_domain}/` as one call into that organization's object.

use totp_domain::error::Error;
use totp_domain::idempotency::{self, Answer, IdempotentRequest, Outcome};
use totp_domain::model::Tenant;
use worker::{Request, Response};

use super::Result;
use super::auth::bearer;
use super::call::{Call, ok};
use super::input;
use crate::api::{DirectoryOp, Idempotency, Keeper, OrgOp, Params, Serve, Spec};
use crate::control;
use crate::org_object::{Keyed, Whole};
use crate::wire::answers::OrganizationBody;
use crate::wire::input::Input;
use crate::wire::problem::HttpError;
use crate::wire::respond;

/// What a tenant's request brings: who sent it, its input, and its `Idempotency-Key` as the
/// operation treats it.
struct Sent {
    tenant: Tenant,
    input: Input,
    kept: Option<(IdempotentRequest, Keeper)>,
}

/// Authenticates the bearer token, then reads the input within the operation's limit.
async fn receive(call: &Call<'_>, spec: &Spec, request: &mut Request) -> Result<Sent> {
    let token = bearer(request)?;
    let (tenant, client_id) =
        control::authenticate(&call.control(), call.d1, &token, call.now).await?;
    let input = input::read(request, spec.body_limit).await?;
    let kept = idempotency(request, spec, &input, client_id)?;
    Ok(Sent {
        tenant,
        input,
        kept,
    })
}

/// The `Idempotency-Key` of a request, as its operation treats it.
fn idempotency(
    request: &Request,
    spec: &Spec,
    input: &Input,
    client_id: String,
) -> Result<Option<(IdempotentRequest, Keeper)>> {
    let Some(key) = request.headers().get("idempotency-key").ok().flatten() else {
        return Ok(None);
    };
    match spec.idempotency {
        Idempotency::Kept(keeper) => {
            let route = format!("{} {}", request.method(), request.path());
            let request = IdempotentRequest::new(&key, route, input.fingerprint(), client_id)?;
            Ok(Some((request, keeper)))
        }
        Idempotency::Refused => Err(idempotency::refused_here().into()),
        Idempotency::Ignored => Ok(None),
    }
}

pub async fn directory(
    call: &Call<'_>,
    op: DirectoryOp,
    params: &Params<'_>,
    request: &mut Request,
) -> Result<Response> {
    let Sent {
        tenant,
        input,
        kept,
    } = receive(call, &op.spec(), request).await?;
    let control = call.control();
    match op {
        DirectoryOp::CreateOrganization => {
            let create = || async {
                let name = input.required("name")?;
                let organization = control
                    .create_organization(&tenant, &name, &input.list("email_domains")?)
                    .await?;
                control::publish(call.env, &organization).await;
                let body = serde_json::to_value(OrganizationBody::from(organization))
                    .map_err(Error::internal)?;
                Ok(Answer { status: 201, body })
            };
            let outcome = match kept {
                Some((request, Keeper::Directory)) => {
                    control.idempotent(&tenant, &request, create).await?
                }
                Some((_, Keeper::Object(_))) => {
                    return Err(HttpError::internal(
                        "an object's key on a directory operation",
                    ));
                }
                None => Outcome {
                    answer: create().await?,
                    replayed: false,
                },
            };
            respond::outcome(&outcome).map_err(HttpError::internal)
        }
        DirectoryOp::Organizations => {
            let page = control.organizations(&tenant, input.page()?).await?;
            ok(page.map(OrganizationBody::from))
        }
        // The directory as stored now: a deletion or a rename shows at once.
        DirectoryOp::Organization => {
            let domain = params.get("domain")?;
            let organization = totp_domain::control::organization(call.d1, &tenant, domain).await?;
            ok(OrganizationBody::from(organization))
        }
        DirectoryOp::UpdateOrganization => {
            let domain = params.get("domain")?;
            let email_domains = match input.has("email_domains") {
                true => Some(input.list("email_domains")?),
                false => None,
            };
            let name = input.text("name")?;
            let organization = control
                .update_organization(&tenant, domain, name.as_deref(), email_domains.as_deref())
                .await?;
            control::publish(call.env, &organization).await;
            ok(OrganizationBody::from(organization))
        }
        DirectoryOp::DeleteOrganization => {
            // The directory as stored now, not a cached entry: the object deleted is the one
            // the directory names.
            let domain = params.get("domain")?;
            let organization = totp_domain::control::organization(call.d1, &tenant, domain).await?;
            let deleted = call.whole(&organization, Whole::Delete, None).await?;
            // A deletion that raced this one already emptied the object: finish its work.
            if deleted.status_code() != 204 && deleted.status_code() != 404 {
                return Ok(deleted);
            }
            control.forget_organization(&organization).await?;
            control::unpublish(call.env, &tenant, domain).await;
            respond::no_content().map_err(HttpError::internal)
        }
    }
}

pub async fn org(
    call: &Call<'_>,
    op: OrgOp,
    params: &Params<'_>,
    request: &mut Request,
) -> Result<Response> {
    let spec = op.spec();
    let Serve::Object(command) = spec.serve else {
        return Err(HttpError::internal(format!(
            "{} names no command",
            spec.name
        )));
    };
    let Sent {
        tenant,
        input,
        kept,
    } = receive(call, &spec, request).await?;
    let domain = params.get("org_domain")?;
    let organization = control::organization(call.env, call.d1, &tenant, domain, call.now).await?;
    let command = command(params, &input)?;
    let keyed = match kept {
        Some((request, Keeper::Object(holds))) => Some(Keyed { request, holds }),
        Some((_, Keeper::Directory)) => {
            return Err(HttpError::internal(
                "a directory's key on an object operation",
            ));
        }
        None => None,
    };
    let answer = call.object(&organization, command, keyed).await?;
    if answer.status_code() == 404 {
        return forget_if_deleted(call, &tenant, domain, answer).await;
    }
    Ok(answer)
}

/// A 404 of a deleted organization's object means this isolate's entry (or KV's) is stale:
/// both are forgotten, so the next request reads the directory as it is now.
async fn forget_if_deleted(
    call: &Call<'_>,
    tenant: &Tenant,
    domain: &str,
    mut answer: Response,
) -> Result<Response> {
    let text = answer
        .cloned()
        .map_err(HttpError::internal)?
        .text()
        .await
        .map_err(HttpError::internal)?;
    if text.contains("\"organization_not_found\"") {
        control::unpublish(call.env, tenant, domain).await;
    }
    Ok(answer)
}
