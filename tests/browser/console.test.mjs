// The demo console in Debian's Chromium, served by the Worker on loopback: the whole flow, a
// screenshot per step, and the QR code decoded from pixels and checked against the API.
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
  keys = await api.bootstrap("communitiz-app");
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
});

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

function decodeQr(png) {
  const image = PNG.sync.read(png);
  const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(decoded, "the QR code could not be decoded from the screenshot");
  return decoded.data;
}

test("the console runs the guide's flow in Chromium", async () => {
  await page.goto(`${api.worker.url}/`);
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
  assert.match((await submit("form-connection", "step-connection")).text, /Connection active/);
  await screenshot("connection");

  const enrollmentResponse = page.waitForResponse((r) => r.url().endsWith("/totp-enrollment"));
  await submit("form-enroll", "step-enroll");
  const enrollment = await (await enrollmentResponse).json();
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
  assert.deepEqual(await submit("form-validate-challenge", "step-challenge"), { text: "Code accepted.", error: false });
  await screenshot("challenge");

  await page.fill("#form-validate-challenge [name=code]", next);
  const replay = await submit("form-validate-challenge", "step-challenge");
  assert.equal(replay.error, true);
  assert.match(replay.text, /Code refused/);

  const recoveryCode = (await page.textContent("#recovery-codes")).split("\n")[0];
  assert.equal(recoveryCode, enrollment.recovery_codes.split("\n")[0]);
  await page.fill("#form-validate-challenge [name=code]", recoveryCode);
  assert.match((await submit("form-validate-challenge", "step-challenge")).text, /Recovery code accepted/);
  await screenshot("recovery-code");

  assert.deepEqual(foreignRequests, [], "the page requested another host");
  assert.deepEqual(consoleErrors, [], "the page logged errors");
});

test("the console works at phone width without horizontal scrolling", async () => {
  // Its own page at the phone viewport, whatever the test before it did.
  await page.goto(`${api.worker.url}/`);
  await page.waitForLoadState("load");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px of horizontal overflow`);
});
