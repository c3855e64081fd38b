// The demo console in Debian's Chromium, served by the Worker on loopback: the whole flow (a
// second named factor, a remembered device and their lists included), a screenshot per step,
// and the QR codes decoded from pixels and checked against the API; all of it under the
// console's Content-Security-Policy, with no violation reported by the browser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const output = fileURLToPath(new URL("../../test-output/console/", import.meta.url));
let api, browser, page, keys;
const foreignRequests = [];
const consoleErrors = [];

before(async () => {
  await mkdir(output, { recursive: true });
  api = await startApi({ serve: true });
  keys = await api.bootstrap("acme-backend");
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.hostname !== "127.0.0.1") foreignRequests.push(url.href);
  });
  page.on("console", (message) => { if (message.type() === "error") consoleErrors.push(message.text()); });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  // Every violation of the page's policy, as the browser reports it to the page (this script is
  // injected by the driver, outside the policy).
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.cspViolations.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample });
    }, true);
  });
});

const cspViolations = () => page.evaluate(() => window.cspViolations);

/** The policy the page was served with, checked for what it must (and must not) allow. */
function assertPolicy(response) {
  const policy = response.headers()["content-security-policy"];
  assert.ok(policy, "the console is served without a Content-Security-Policy");
  const directives = Object.fromEntries(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives["default-src"], ["'none'"]);
  assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives["style-src"], ["'self'"]);
  assert.deepEqual(directives["frame-ancestors"], ["'none'"]);
  assert.deepEqual(directives["base-uri"], ["'none'"]);
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|\*/);
  assert.equal(response.headers()["x-content-type-options"], "nosniff");
  assert.equal(response.headers()["referrer-policy"], "no-referrer");
  assert.equal(response.headers()["cache-control"], "no-store");
}

after(async () => {
  await browser?.close();
  await api?.dispose();
});

let shot = 0;
const screenshot = (name) => page.screenshot({ path: `${output}${String(++shot).padStart(2, "0")}-${name}.png`, fullPage: true });

async function submit(formId, sectionId) {
  await page.click(`#${formId} button`);
  const result = page.locator(`#${sectionId} [data-result]`);
  await result.filter({ hasText: /./ }).waitFor();
  return { text: await result.textContent(), error: await result.evaluate((el) => el.classList.contains("error")) };
}

/** Clicks a button of a list item and waits for the outcome shown in section 8. */
async function clickItem(listId, hasText, label) {
  const result = page.locator("#step-factors [data-result]");
  await page.locator(`#${listId} li`, { hasText }).getByRole("button", { name: label }).click();
  await result.filter({ hasText: /./ }).waitFor();
  return { text: await result.textContent(), error: await result.evaluate((el) => el.classList.contains("error")) };
}

const listed = (listId) => page.locator(`#${listId} li`).allTextContents();
/** A date as the page shows it (its locale and time zone). */
const shown = (seconds) => page.evaluate((s) => new Date(s * 1000).toLocaleString(), seconds);

function decodeQr(png) {
  const image = PNG.sync.read(png);
  const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(decoded, "the QR code could not be decoded from the screenshot");
  return decoded.data;
}

// Three codes wait for a newer time step than the last accepted one: up to 30 s each.
test("the console runs the guide's flow in Chromium", { timeout: 240_000 }, async () => {
  assertPolicy(await page.goto(`${api.worker.url}/`));
  await screenshot("loaded");

  await page.fill("#form-token [name=client_secret]", "wrong");
  await page.fill("#form-token [name=client_id]", keys.sandbox.client_id);
  const refused = await submit("form-token", "step-credentials");
  assert.deepEqual(refused, { text: "invalid client credentials", error: true });
  await screenshot("error-shown");
  // Chromium itself logs the deliberate 401; nothing else may be logged.
  assert.deepEqual(consoleErrors.splice(0), ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);

  await page.fill("#form-token [name=client_secret]", keys.sandbox.client_secret);
  assert.match((await submit("form-token", "step-credentials")).text, /Access token received/);
  await screenshot("token");

  assert.match((await submit("form-organization", "step-organization")).text, /communitiz-app \(sandbox\)/);
  assert.match((await submit("form-user", "step-user")).text, /User created/);
  const connectionText = (await submit("form-connection", "step-connection")).text;
  assert.match(connectionText, /Connection active/);
  assert.match(connectionText, /devices remembered for 30 days\.$/);
  await screenshot("connection");

  const enrollmentResponse = page.waitForResponse((r) => r.url().endsWith("/totp-enrollment"));
  await submit("form-enroll", "step-enroll");
  const answered = await enrollmentResponse;
  const enrollment = await answered.json();
  assert.match(answered.request().headers()["idempotency-key"], /^[0-9a-f-]{36}$/, "the console sends a key, as a retrying backend should");
  await page.locator("#qr svg title").waitFor({ state: "attached" });
  assert.equal(await page.locator("#qr svg title").textContent(), "Scan with your authenticator app");
  await screenshot("enrolled");

  const decodedUri = decodeQr(await page.locator("#qr svg").screenshot());
  assert.equal(decodedUri, enrollment.otpauth_uri);
  const secret = new URL(decodedUri).searchParams.get("secret");
  assert.equal(await page.textContent("#secret"), secret);
  const countdown = Number(await page.textContent("#countdown"));
  assert.ok(countdown >= 1 && countdown <= 30, `countdown ${countdown}`);

  const step = currentStep();
  await page.fill("#form-validate-enrollment [name=code]", codeAtStep(secret, step));
  assert.match((await submit("form-validate-enrollment", "step-enroll")).text, /Enrollment validated/);
  await screenshot("validated");

  assert.match((await submit("form-challenge", "step-challenge")).text, /Challenge started/);
  // Computed when used: newer than the enrollment's step, inside the window however slow the run.
  const next = codeAtStep(secret, currentStep() + 1);
  await page.fill("#form-validate-challenge [name=code]", next);
  assert.deepEqual(await submit("form-validate-challenge", "step-challenge"), { text: "Code accepted (5 recovery codes left).", error: false });
  let lastUsed = currentStep() + 1;
  /**
   * A code of `totpSecret` at a time step newer than the last one accepted: a step is accepted
   * once per user, whichever factor's code it was.
   */
  const freshCode = async (totpSecret) => {
    while (currentStep() + 1 <= lastUsed) await new Promise((resolve) => setTimeout(resolve, 500));
    lastUsed = currentStep() + 1;
    return codeAtStep(totpSecret, lastUsed);
  };
  await screenshot("challenge");

  await page.fill("#form-validate-challenge [name=code]", next);
  const replay = await submit("form-validate-challenge", "step-challenge");
  assert.equal(replay.error, true);
  assert.match(replay.text, /Code refused/);

  const recoveryCode = (await page.textContent("#recovery-codes")).split("\n")[0];
  assert.equal(recoveryCode, enrollment.recovery_codes.split("\n")[0]);
  await page.fill("#form-validate-challenge [name=code]", recoveryCode);
  assert.match((await submit("form-validate-challenge", "step-challenge")).text, /Recovery code accepted \(4 recovery codes left\)/);
  await screenshot("recovery-code");

  // Regenerating needs a code newer than the last accepted one: wait for the next time step.
  await page.fill("#form-regenerate [name=code]", await freshCode(secret));
  assert.match((await submit("form-regenerate", "step-manage")).text, /Five new recovery codes/);
  const fresh = (await page.textContent("#new-recovery-codes")).split("\n");
  assert.equal(fresh.length, 5);
  assert.ok(!fresh.includes(recoveryCode));
  await screenshot("regenerated");

  // A second factor, named, beside the first: its code comes from the secret the page shows.
  await page.check("#form-enroll [name=add_factor]");
  await page.fill("#form-enroll [name=friendly_name]", "Backup phone");
  const addedResponse = page.waitForResponse((r) => r.url().endsWith("/totp-enrollment"));
  assert.match((await submit("form-enroll", "step-enroll")).text, /^Factor "Backup phone" pending: scan the QR code/);
  const addedAnswer = await addedResponse;
  const sent = JSON.parse(addedAnswer.request().postData());
  assert.deepEqual([sent.add_factor, sent.force_enroll, sent.friendly_name], [true, false, "Backup phone"]);
  const added = await addedAnswer.json();
  assert.deepEqual([added.friendly_name, added.recovery_codes], ["Backup phone", null]);
  assert.equal(decodeQr(await page.locator("#qr svg").screenshot()), added.otpauth_uri, "the QR code is the new factor's");
  const backupSecret = await page.textContent("#secret");
  assert.equal(backupSecret, added.secret);
  assert.notEqual(backupSecret, secret);
  assert.equal(await page.textContent("#recovery-codes"), "The earlier recovery codes stay valid.");
  await page.fill("#form-validate-enrollment [name=code]", await freshCode(backupSecret));
  assert.deepEqual(await submit("form-validate-enrollment", "step-enroll"),
    { text: 'Enrollment validated: the factor "Backup phone" is active.', error: false });
  await screenshot("second-factor");

  assert.deepEqual(await submit("form-refresh", "step-factors"), { text: "2 factors, 0 trusted devices.", error: false });
  const factors = await listed("factors");
  assert.equal(factors.length, 2, JSON.stringify(factors));
  assert.match(factors[0], /^Authenticator app: active, last used .+Remove$/);
  assert.match(factors[1], /^Backup phone: active, .+Remove$/);
  assert.deepEqual(await listed("devices"), ["No trusted device."]);

  // Remembered at a challenge validation by the second factor's code; the token is shown once.
  await page.fill("#form-validate-challenge [name=code]", await freshCode(backupSecret));
  await page.check("#form-validate-challenge [name=remember_device]");
  await page.fill("#form-validate-challenge [name=device_name]", "Chromium under test");
  const rememberedResponse = page.waitForResponse((r) => r.url().includes("/totp-challenge/validation/"));
  const remembered = await submit("form-validate-challenge", "step-challenge");
  const device = await (await rememberedResponse).json();
  assert.equal(device.factor_id, added.factor_id, "accepted as the second factor's code");
  assert.match(device.device_token, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(Math.abs(device.device_expires_at - Date.now() / 1000 - 30 * 86_400) < 300, "trusted for 30 days");
  const expiry = await shown(device.device_expires_at);
  assert.deepEqual(remembered, { text: `Code accepted (5 recovery codes left). This device is trusted until ${expiry}.`, error: false });
  assert.equal(await page.textContent("#device-token"), device.device_token);
  assert.deepEqual(await submit("form-verify-device", "step-challenge"),
    { text: `Trusted until ${expiry}: no code needed on this device.`, error: false });
  await screenshot("device-remembered");

  assert.deepEqual(await submit("form-refresh", "step-factors"), { text: "2 factors, 1 trusted device.", error: false });
  const devices = await listed("devices");
  assert.equal(devices.length, 1, JSON.stringify(devices));
  assert.ok(devices[0].startsWith(`Chromium under test: trusted until ${expiry}, last verified `), devices[0]);
  assert.match((await listed("factors"))[1], /^Backup phone: active, last used /);
  await screenshot("factors-listed");

  assert.deepEqual(await clickItem("devices", "Chromium under test", "Revoke Chromium under test"),
    { text: 'Device "Chromium under test" revoked: its token is no longer trusted.', error: false });
  assert.deepEqual(await listed("devices"), ["No trusted device."]);
  assert.deepEqual(await submit("form-verify-device", "step-challenge"),
    { text: "Not trusted (revoked, expired or unknown): ask for a code.", error: false });

  assert.deepEqual(await clickItem("factors", "Backup phone", "Remove Backup phone"),
    { text: 'Factor "Backup phone" removed; the user\'s trusted devices were revoked with it.', error: false });
  const left = await listed("factors");
  assert.equal(left.length, 1, JSON.stringify(left));
  assert.match(left[0], /^Authenticator app: active/);
  assert.deepEqual(await submit("form-revoke-devices", "step-factors"), { text: "Every trusted device of the user revoked.", error: false });
  assert.deepEqual(await listed("devices"), ["No trusted device."]);
  await screenshot("factor-removed");
  // The audit trail, ten events a page, the next page by cursor.
  const newest = await submit("form-audit", "step-audit");
  const [, total] = newest.text.match(/^10 of (\d+) events shown\.$/) ?? [];
  assert.ok(Number(total) > 10, JSON.stringify(newest));
  assert.equal((await listed("audit"))[0].includes("trusted_devices.revoked"), true, "newest first");
  await page.click("#form-audit-more button");
  const shownAll = Math.min(20, Number(total));
  await page.locator("#step-audit [data-result]").filter({ hasText: `${shownAll} of ${total} events shown.` }).waitFor();
  const events = await listed("audit");
  assert.equal(events.length, shownAll);
  await page.click("#form-remove-factor button");
  await page.locator("#step-manage [data-result]").filter({ hasText: /MFA turned off/ }).waitFor();
  assert.equal(await page.locator("#new-recovery-codes").isHidden(), true);
  assert.deepEqual(await listed("factors"), ["No factor: the user is not enrolled."]);
  await page.fill("#form-validate-challenge [name=code]", fresh[0]);
  const gone = await submit("form-validate-challenge", "step-challenge");
  assert.deepEqual(gone, { text: "the user is not enrolled", error: true });
  // Chromium logs the deliberate 404; nothing else may be logged.
  assert.deepEqual(consoleErrors.splice(0), ["Failed to load resource: the server responded with a status of 404 (Not Found)"]);
  await screenshot("mfa-off");

  assert.deepEqual(foreignRequests, [], "the page requested another host");
  assert.deepEqual(consoleErrors, [], "the page logged errors");
  assert.deepEqual(await cspViolations(), [], "the page broke its Content-Security-Policy");
});

test("the console works at phone width without horizontal scrolling", async () => {
  // Its own page at the phone viewport, whatever the test before it did.
  await page.goto(`${api.worker.url}/`);
  await page.waitForLoadState("load");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px of horizontal overflow`);
});

test("the browser enforces the policy and reports a violation (the check above can fail)", async () => {
  await page.goto(`${api.worker.url}/`);
  await page.waitForLoadState("load");
  assert.deepEqual(await cspViolations(), []);
  // What a page with an inline style attribute or inline script would do under this policy.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML("beforeend", '<p id="inline" style="color: red">x</p>');
    const script = document.createElement("script");
    script.textContent = "window.inlineRan = true";
    document.body.append(script);
  });
  await page.waitForFunction(() => window.cspViolations.length >= 2, undefined, { timeout: 10000 });
  assert.deepEqual((await cspViolations()).map((v) => v.directive).sort(), ["script-src-elem", "style-src-attr"]);
  assert.equal(await page.evaluate(() => window.inlineRan), undefined, "an inline script ran");
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.getElementById("inline")).color), "rgb(255, 0, 0)");
  consoleErrors.splice(0);
});
