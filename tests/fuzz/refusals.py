"""A schemathesis check loaded by tests/fuzz/schemathesis.test.mjs (the `hooks` of its config).

The OpenAPI document says what a well-formed request is, and the server accepts every one of
them, except for refusals no schema can express:

- what the server already holds: an email taken by another user of the organization (422,
  "email has already been taken", which the integration guide requires), or an Idempotency-Key
  already used with other fields (422 naming the header);
- the size of the body: more than 16 KiB (256 KiB for an import) is a 413;
- an imported secret under 80 bits (the URI's secret parameter is a string to a schema): 422
  naming `factors`;
- a code of 6 to 8 digits whose count is not that of the user's secret (the document allows any
  of the three): 422 naming `code`;
- client credentials sent in neither place: the body's `client_id` and `client_secret` are
  optional to a schema because HTTP Basic may carry them instead: 422 naming the field;
- `add_factor` with `force_enroll` (an enrollment) or `replace` (an import), each allowed alone,
  or on an organization whose method is SMS: 422 naming `add_factor`;
- a webhook endpoint's URL, a string to the document, that the server does not take (not
  https, no host name, this machine) or the organization's ten endpoints reached: 422 naming
  `url`;
- a list's `starting_after` that is no cursor of that list (a cursor is opaque: a string to the
  document), or a `page` other than 1 beside it: 422 naming `starting_after` or `page`.

The generated config lets 413 and 422 through `positive_data_acceptance` on the operations where
one of these can happen; this check holds every 413 and 422 answered to a well-formed request to
one of these causes, so any other refusal of a request the document allows still fails the run.
"""

import json

import schemathesis

BODY_LIMIT = 16 * 1024


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """A restore's body: each generated line as JSON, one per line."""
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


IMPORT_LIMIT = 256 * 1024


def _error(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _cause(response, case):
    """Why the server refused this well-formed request, if it is one the document cannot say."""
    operation_id = case.operation.definition.raw.get("operationId")
    if response.status_code == 413:
        limit = IMPORT_LIMIT if operation_id == "importFactors" else BODY_LIMIT
        sent = response.request.body or b""
        if isinstance(sent, str):
            sent = sent.encode()
        if len(sent) > limit:
            return f"the body has {len(sent)} bytes, over {limit}"
        return None
    error = _error(response)
    field, description = error.get("field"), error.get("error_description", "")
    if field == "email" and description == "email has already been taken":
        return "the email is taken"
    if field == "factors" and "imported secrets need at least 80" in description:
        return "an imported secret is under 80 bits"
    if field == "code" and description.startswith("code must be") and "digits" in description:
        return "the code's number of digits is not the user's secret's"
    headers = {name.lower() for name in (case.headers or {})}
    if (
        operation_id == "createToken"
        and field in ("client_id", "client_secret")
        and description.endswith("is required")
        and "authorization" not in headers
    ):
        return "no client credentials in the body or in HTTP Basic"
    if field == "add_factor" and ("cannot be combined" in description or "totp_app method" in description):
        return "add_factor with force_enroll or replace, or on the SMS method"
    if field == "url" and operation_id in ("createWebhook", "updateWebhook"):
        return "an endpoint URL the server does not take, or ten endpoints already"
    if field == "starting_after" and "next_cursor" in description:
        return "a cursor that is none of this list's"
    if field == "page" and "cannot be combined with starting_after" in description:
        return "a page other than the first beside a cursor"
    if field == "Idempotency-Key" and "idempotency-key" in headers and "already used" in description:
        return "the Idempotency-Key was used with other fields"
    return None


@schemathesis.check
def refused_only_for_what_no_schema_says(ctx, response, case):
    """A 413 or 422 to a request the document allows must be one of the refusals above."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (413, 422):
        return None
    if _cause(response, case) is None:
        raise AssertionError(
            f"A request the document allows was refused with {response.status_code}, for none of "
            f"the reasons a schema cannot express (taken email, reused Idempotency-Key, body size, "
            f"a short imported secret, a code's digit count, credentials in neither place, add_factor "
            f"with force_enroll or replace, a list's cursor): "
            f"{response.text[:300]}"
        )
    return None
