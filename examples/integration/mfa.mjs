// @ts-check
// The second factor of a Node.js backend's login, on the headless TOTP API: types generated from
// its OpenAPI document (`npx openapi-typescript $SERVICE/openapi.json -o api.d.ts`) and `fetch`.
// INTEGRATION.md walks through it; tests/worker/integration-example.test.mjs runs it against the
// Worker and type-checks it against the types generated from the served document.

/** @typedef {import("./api.js").components["schemas"]} Schemas */
/** @typedef {Schemas["Error"]} ApiError */

/**
 * What the login page does next after a code was submitted.
 * @typedef {{ signedIn: true, recoveryCodeUsed: boolean, askToEnrollAgain: boolean, recoveryCodesRemaining: number }
 *   | { signedIn: false, tryAgain: string }
 *   | { signedIn: false, waitSeconds: number }
 *   | { signedIn: false, contactSupport: string }} LoginStep
 */

export class Mfa {
  /**
   * @param {{ service: string, clientId: string, clientSecret: string, organization: string }} settings
   *   `service` is the API's base URL; `organization` the organization's domain (not the
   *   account's: an account holds many organizations).
   */
  constructor({ service, clientId, clientSecret, organization }) {
    this.service = service;
    this.credentials = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
    this.org = `/api/v2/org/${encodeURIComponent(organization)}`;
    /** @type {{ value: string, until: number } | null} */
    this.token = null;
  }

  /** A bearer token, asked for again a minute before it expires (they last 15 minutes). */
  async bearer() {
    if (this.token && Date.now() < this.token.until) return this.token.value;
    const response = await fetch(`${this.service}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${this.credentials}`, "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    if (!response.ok) throw await failure(response);
    /** @type {Schemas["Token"]} */
    const token = await response.json();
    this.token = { value: token.access_token, until: Date.now() + (token.expires_in - 60) * 1000 };
    return token.access_token;
  }

  /**
   * One call to the API: the parsed answer, or a thrown {@link ApiFailure}.
   * @param {string} method
   * @param {string} path under the organization
   * @param {{ body?: object, idempotencyKey?: string }} [options]
   */
  async call(method, path, { body, idempotencyKey } = {}) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${await this.bearer()}` };
    if (body) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const response = await fetch(`${this.service}${this.org}${path}`, {
      method, headers, body: body && JSON.stringify(body),
    });
    if (!response.ok) throw await failure(response);
    return response.status === 204 ? null : response.json();
  }

  /**
   * Creates the user on your sign-up, keeping the id beside your own user record.
   * @param {string} email
   * @returns {Promise<Schemas["User"]>}
   */
  createUser(email) {
    return this.call("POST", "/users", { body: { profile: { email } } });
  }

  /**
   * Where the user's MFA stands: `none`, `pending` or `active`, and whether attempts are refused.
   * @param {string} userId
   * @returns {Promise<Schemas["EnrollmentStatus"]>}
   */
  status(userId) {
    return this.call("GET", `/totp-enrollment/${encodeURIComponent(userId)}`);
  }

  /**
   * Starts (or, after a page refresh, shows again) an enrollment: the same `attemptKey` answers
   * the same secret and recovery codes for 24 hours, so keep it in the page's session.
   * @param {string} userId
   * @param {string} attemptKey
   * @returns {Promise<Schemas["Enrollment"]>} draw `otpauth_uri` as a QR code on the user's page
   */
  enroll(userId, attemptKey) {
    return this.call("POST", "/totp-enrollment", { body: { user_id: userId }, idempotencyKey: attemptKey });
  }

  /**
   * The first code from the user's app: it activates the factor.
   * @param {string} userId
   * @param {string} code as typed: "123 456" is fine
   * @returns {Promise<LoginStep>}
   */
  async confirm(userId, code) {
    return step(() => this.call("PUT", `/totp-enrollment/validation/${encodeURIComponent(userId)}`, { body: { code } }));
  }

  /**
   * The login's second step: a code from the app, or a recovery code.
   * @param {string} userId
   * @param {string} code
   * @returns {Promise<LoginStep>}
   */
  async verify(userId, code) {
    return step(() => this.call("POST", `/totp-challenge/validation/${encodeURIComponent(userId)}`, { body: { code } }));
  }
}

/** A refused call: its status and the error's `code`, to branch on. */
export class ApiFailure extends Error {
  /** @param {number} status @param {ApiError} error @param {string | null} requestId */
  constructor(status, error, requestId) {
    super(error.error_description);
    this.status = status;
    this.code = error.code;
    this.error = error;
    this.requestId = requestId;
  }
}

/** @param {Response} response */
async function failure(response) {
  return new ApiFailure(response.status, await response.json(), response.headers.get("x-request-id"));
}

/**
 * A validation's answer as the login page's next step.
 * @param {() => Promise<Schemas["ValidationResult"]>} validate
 * @returns {Promise<LoginStep>}
 */
async function step(validate) {
  try {
    const result = await validate();
    if (result.success) {
      return {
        signedIn: true,
        recoveryCodeUsed: result.recovery_code_used,
        // A recovery code was used: the factor works, but ask the user to enroll a new device.
        askToEnrollAgain: result.reenrollment_required,
        recoveryCodesRemaining: result.recovery_codes_remaining,
      };
    }
    switch (result.reason) {
      case "code_already_used":
        return { signedIn: false, tryAgain: "That code was just used: enter the next one your app shows." };
      case "recovery_code_rate_limited":
        return { signedIn: false, contactSupport: "One recovery code a day: contact support to sign in today." };
      default:
        return { signedIn: false, tryAgain: "Wrong code: try again." };
    }
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
    switch (error.code) {
      case "invalid_field": // not a code's shape: the user mistyped, nothing was counted
        return { signedIn: false, tryAgain: "Enter the 6 digits your app shows, or a recovery code." };
      case "too_many_attempts":
        return { signedIn: false, waitSeconds: error.error.retry_after ?? 30 };
      case "locked":
        return { signedIn: false, contactSupport: "Too many wrong codes: contact support to get back in." };
      default:
        throw error;
    }
  }
}
