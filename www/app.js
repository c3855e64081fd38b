// The demo console: the integration guide's flow against this origin. The enrollment QR code
// is drawn here by otp-web (WebAssembly), never fetched as an image.
import init, { renderQrSvg, secondsRemaining } from "./pkg/otp_web.js";

const state = { token: null, org: null, userId: null, uri: null, timer: null, factorName: null, deviceToken: null };

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

/** Runs an async action from `button`; errors are shown in `section`, never swallowed. */
async function perform(section, button, action) {
  button.disabled = true;
  try {
    show(section, "");
    show(section, await action());
  } catch (error) {
    show(section, error.message, true);
  } finally {
    button.disabled = false;
  }
}

/** Wires a form to an async action, its outcome shown in the form's section. */
function onSubmit(formId, action) {
  const form = document.getElementById(formId);
  const section = form.closest("section").id;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    perform(section, form.querySelector("button"), () => action(new FormData(form)));
  });
}

const when = (seconds) => new Date(seconds * 1000).toLocaleString();
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const userPath = () => `/api/v2/org/${state.org}/users/${state.userId}`;

/**
 * Fills list `id` with one item per entry, each with its button; built from DOM nodes, as the
 * names are the API's (user-chosen) text.
 */
function renderList(id, entries, empty) {
  const list = document.getElementById(id);
  const items = entries.map(({ text, label, name, action }) => {
    const item = document.createElement("li");
    const description = document.createElement("span");
    description.textContent = text;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-label", `${label} ${name}`);
    button.addEventListener("click", () => perform("step-factors", button, action));
    item.append(description, button);
    return item;
  });
  if (items.length === 0) {
    const item = document.createElement("li");
    item.className = "empty";
    item.textContent = empty;
    items.push(item);
  }
  list.replaceChildren(...items);
}

/** Lists the user's factors and trusted devices in section 8; answers a summary. */
async function refreshLists() {
  const [factors, devices] = await Promise.all([
    api("GET", `${userPath()}/factors`),
    api("GET", `${userPath()}/trusted-devices`),
  ]);
  renderList("factors", factors.data.map((factor) => ({
    text: `${factor.friendly_name}: ${factor.status}, ${factor.last_used_at ? `last used ${when(factor.last_used_at)}` : "never used"}${factor.reenrollment_pending ? ", new secret pending" : ""}`,
    label: "Remove",
    name: factor.friendly_name,
    action: async () => {
      await api("DELETE", `${userPath()}/factors/${factor.id}`);
      await refreshLists();
      // Removing any factor also revokes the user's trusted devices; the last one, MFA.
      return factors.data.length === 1
        ? `Factor "${factor.friendly_name}" removed: it was the last, so MFA is off for this user.`
        : `Factor "${factor.friendly_name}" removed; the user's trusted devices were revoked with it.`;
    },
  })), "No factor: the user is not enrolled.");
  renderList("devices", devices.data.map((device) => {
    const name = device.name ?? "Unnamed device";
    return {
      text: `${name}: trusted until ${when(device.expires_at)}${device.last_used_at ? `, last verified ${when(device.last_used_at)}` : ""}`,
      label: "Revoke",
      name,
      action: async () => {
        await api("DELETE", `${userPath()}/trusted-devices/${device.id}`);
        await refreshLists();
        return `Device "${name}" revoked: its token is no longer trusted.`;
      },
    };
  }), "No trusted device.");
  return `${count(factors.data.length, "factor")}, ${count(devices.data.length, "trusted device")}.`;
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
  const connection = await api("PUT", `/api/v2/org/${state.org}/totp-connection`, { active: true, trusted_device_days: 30 });
  reveal("step-enroll");
  const devices = connection.trusted_device_days ? `devices remembered for ${connection.trusted_device_days} days` : "trusted devices off";
  return `Connection active: ${connection.algorithm}, ${connection.digits} digits, ${connection.period} s; ${devices}.`;
});

onSubmit("form-enroll", async (form) => {
  const name = form.get("friendly_name").trim();
  const enrollment = await api("POST", `/api/v2/org/${state.org}/totp-enrollment`, {
    user_id: state.userId,
    force_enroll: form.get("force_enroll") === "on",
    add_factor: form.get("add_factor") === "on",
    // Absent, the server names the factor (or keeps a renewed one's name).
    ...(name ? { friendly_name: name } : {}),
  }, { idempotent: true });
  state.factorName = enrollment.friendly_name;
  if (!enrollment.otpauth_uri) return `Send this code by SMS: ${enrollment.code}`;
  state.uri = enrollment.otpauth_uri;
  document.getElementById("qr").innerHTML = renderQrSvg(state.uri, { moduleSize: 5, title: "Scan with your authenticator app" });
  document.getElementById("secret").textContent = enrollment.secret;
  document.getElementById("recovery-codes").textContent = enrollment.recovery_codes ?? "The earlier recovery codes stay valid.";
  reveal("enrollment", "form-validate-enrollment");
  startCountdown();
  return `Factor "${enrollment.friendly_name}" pending: scan the QR code, then type the code your app shows.`;
});

onSubmit("form-validate-enrollment", async (form) => {
  const result = await api("PUT", `/api/v2/org/${state.org}/totp-enrollment/validation/${state.userId}`, { code: form.get("code").trim() });
  if (!result.success) throw new Error(describe(result));
  reveal("step-challenge", "step-manage", "step-factors", "step-audit");
  return `Enrollment validated: the factor "${state.factorName}" is active.`;
});

onSubmit("form-challenge", async () => {
  const challenge = await api("POST", `/api/v2/org/${state.org}/totp-challenge/${state.userId}`, undefined, { idempotent: true });
  return challenge.code ? `Send this code by SMS: ${challenge.code}` : "Challenge started: type the code from the app.";
});

onSubmit("form-validate-challenge", async (form) => {
  const body = { code: form.get("code").trim() };
  const remember = form.get("remember_device") === "on";
  if (remember) {
    body.remember_device = true;
    const name = form.get("device_name").trim();
    if (name) body.device_name = name;
  }
  const result = await api("POST", `/api/v2/org/${state.org}/totp-challenge/validation/${state.userId}`, body);
  if (!result.success) throw new Error(describe(result));
  if (!remember) return describe(result);
  if (!result.device_token) {
    const why = result.recovery_code_used ? "a recovery code revokes every device" : "trusted devices are off";
    return `${describe(result)} No device remembered: ${why}.`;
  }
  // The token is answered once: the device keeps it to skip the code at its next sign-in.
  state.deviceToken = result.device_token;
  document.getElementById("device-token").textContent = result.device_token;
  reveal("device", "form-verify-device");
  return `${describe(result)} This device is trusted until ${when(result.device_expires_at)}.`;
});

onSubmit("form-verify-device", async () => {
  const result = await api("POST", `/api/v2/org/${state.org}/trusted-devices/verify/${state.userId}`, { device_token: state.deviceToken });
  return result.trusted
    ? `Trusted until ${when(result.expires_at)}: no code needed on this device.`
    : "Not trusted (revoked, expired or unknown): ask for a code.";
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
  await refreshLists();
  return "MFA turned off for this user: the next enrollment is a first one.";
});

onSubmit("form-refresh", refreshLists);

/** Where the next page of the audit trail starts (its `next_cursor`), if there is one. */
let auditCursor = null;

/** Shows the newest page of the audit trail, or with `older` appends the next one. */
async function showAudit(older) {
  const after = older && auditCursor ? `&starting_after=${encodeURIComponent(auditCursor)}` : "";
  const page = await api("GET", `/api/v2/org/${state.org}/audit-events?per_page=10${after}`);
  auditCursor = page.next_cursor;
  const items = page.data.map((event) => {
    const item = document.createElement("li");
    item.textContent = `${when(event.at)}: ${event.event}${event.user_id ? ` (user ${event.user_id})` : ""}`;
    return item;
  });
  const list = document.getElementById("audit");
  if (older) list.append(...items);
  else list.replaceChildren(...items);
  document.getElementById("form-audit-more").hidden = auditCursor === null;
  return `${list.children.length} of ${count(page.total_count, "event")} shown.`;
}

onSubmit("form-audit", () => showAudit(false));
onSubmit("form-audit-more", () => showAudit(true));

onSubmit("form-revoke-devices", async () => {
  await api("DELETE", `${userPath()}/trusted-devices`);
  await refreshLists();
  return "Every trusted device of the user revoked.";
});

await init();
