// The demo console: the integration guide's flow against this origin. The enrollment QR code
// is drawn here by otp-web (WebAssembly), never fetched as an image.
import init, { renderQrSvg, secondsRemaining } from "./pkg/otp_web.js";

const state = { token: null, org: null, userId: null, uri: null, timer: null };

/**
 * Calls the API with JSON; throws an Error carrying the API's error description. Creating
 * requests carry a fresh Idempotency-Key, as a backend that retries should send.
 */
async function api(method, path, body, { idempotent = false } = {}) {
  const headers = { accept: "application/json" };
  if (idempotent) headers["idempotency-key"] = crypto.randomUUID();
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const payload = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = response.headers.get("retry-after");
    const message = payload.error_description ?? `HTTP ${response.status}`;
    throw new Error(retry ? `${message} (retry in ${retry} s)` : message);
  }
  return payload;
}

function show(section, message, isError = false) {
  const result = document.querySelector(`#${section} [data-result]`);
  result.textContent = message;
  result.classList.toggle("error", isError);
}

function reveal(...sections) {
  for (const id of sections) document.getElementById(id).hidden = false;
}

/** Wires a form to an async action; errors are shown in the form's section, never swallowed. */
function onSubmit(formId, action) {
  const form = document.getElementById(formId);
  const section = form.closest("section").id;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      show(section, "");
      show(section, await action(new FormData(form)));
    } catch (error) {
      show(section, error.message, true);
    } finally {
      button.disabled = false;
    }
  });
}

function describe(result) {
  const left = `${result.recovery_codes_remaining} recovery codes left`;
  if (result.recovery_code_used) return `Recovery code accepted (${left}). The user must enroll again.`;
  if (result.success) return `Code accepted (${left}).`;
  return `Code refused (${result.failed_attempts} consecutive failed attempts).`;
}

function startCountdown() {
  clearInterval(state.timer);
  const tick = () => {
    document.getElementById("countdown").textContent = secondsRemaining(state.uri, Math.floor(Date.now() / 1000));
  };
  tick();
  state.timer = setInterval(tick, 1000);
}

onSubmit("form-token", async (form) => {
  const token = await api("POST", "/oauth/token", {
    grant_type: "client_credentials",
    domain: form.get("domain"),
    client_id: form.get("client_id"),
    client_secret: form.get("client_secret"),
  });
  state.token = token.access_token;
  reveal("step-organization");
  return `Access token received, valid for ${Math.round(token.expires_in / 60)} minutes.`;
});

onSubmit("form-organization", async (form) => {
  const domains = form.get("email_domain") ? [form.get("email_domain")] : [];
  const org = await api("POST", "/api/v2/organizations", { name: form.get("name"), email_domains: domains });
  state.org = org.domain;
  reveal("step-user");
  return `Organization created: ${org.domain} (${org.environment}).`;
});

onSubmit("form-user", async (form) => {
  const user = await api("POST", `/api/v2/org/${state.org}/users`, { profile: { email: form.get("email") } });
  state.userId = user.id;
  reveal("step-connection");
  return `User created: ${user.id}`;
});

onSubmit("form-connection", async () => {
  const connection = await api("PUT", `/api/v2/org/${state.org}/totp-connection`, { active: true });
  reveal("step-enroll");
  return `Connection active: ${connection.algorithm}, ${connection.digits} digits, ${connection.period} s.`;
});

onSubmit("form-enroll", async (form) => {
  const enrollment = await api("POST", `/api/v2/org/${state.org}/totp-enrollment`, {
    user_id: state.userId,
    force_enroll: form.get("force_enroll") === "on",
  }, { idempotent: true });
  if (!enrollment.otpauth_uri) return `Send this code by SMS: ${enrollment.code}`;
  state.uri = enrollment.otpauth_uri;
  document.getElementById("qr").innerHTML = renderQrSvg(state.uri, { moduleSize: 5, title: "Scan with your authenticator app" });
  document.getElementById("secret").textContent = enrollment.secret;
  document.getElementById("recovery-codes").textContent = enrollment.recovery_codes ?? "The earlier recovery codes stay valid.";
  reveal("enrollment", "form-validate-enrollment");
  startCountdown();
  return "Scan the QR code, then type the code your app shows.";
});

onSubmit("form-validate-enrollment", async (form) => {
  const result = await api("PUT", `/api/v2/org/${state.org}/totp-enrollment/validation/${state.userId}`, { code: form.get("code").trim() });
  if (!result.success) throw new Error(describe(result));
  reveal("step-challenge", "step-manage");
  return "Enrollment validated: the factor is active.";
});

onSubmit("form-challenge", async () => {
  const challenge = await api("POST", `/api/v2/org/${state.org}/totp-challenge/${state.userId}`, undefined, { idempotent: true });
  return challenge.code ? `Send this code by SMS: ${challenge.code}` : "Challenge started: type the code from the app.";
});

onSubmit("form-validate-challenge", async (form) => {
  const result = await api("POST", `/api/v2/org/${state.org}/totp-challenge/validation/${state.userId}`, { code: form.get("code").trim() });
  if (!result.success) throw new Error(describe(result));
  return describe(result);
});

onSubmit("form-regenerate", async (form) => {
  const result = await api("POST", `/api/v2/org/${state.org}/totp-recovery-codes/${state.userId}`, { code: form.get("code").trim() });
  if (!result.success) throw new Error(describe(result));
  const codes = document.getElementById("new-recovery-codes");
  codes.textContent = result.recovery_codes;
  codes.hidden = false;
  return "Five new recovery codes (shown once); the old ones stopped working.";
});

onSubmit("form-remove-factor", async () => {
  await api("DELETE", `/api/v2/org/${state.org}/totp-enrollment/${state.userId}`);
  document.getElementById("new-recovery-codes").hidden = true;
  return "MFA turned off for this user: the next enrollment is a first one.";
});

await init();
