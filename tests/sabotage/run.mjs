// `make sabotage`: breaks each promise of the README once, in a scratch copy of the tree, and
// runs the make targets that must then fail. A sabotage is caught when a test fails (a test's
// own failure line, not a build error or a missing tool); it survives when the targets pass.
// Prints one line per sabotage and the total; fails if any survived, broke the build instead,
// or no longer applies (its text to find is not in the file exactly once).
//
// The copy shares node_modules and .tools with the tree and builds in target/sabotage, kept warm
// between runs. SABOTAGE=name,name runs only those.
import { spawn, execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const list = JSON.parse(await readFile(new URL("./sabotages.json", import.meta.url), "utf8"));
const only = process.env.SABOTAGE?.split(",").filter(Boolean);
const chosen = only ? list.filter((s) => only.includes(s.name)) : list;

/** The tree as it is now (committed or not, ignored files left out), copied to `dir`. */
async function copyTree(dir) {
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root })
    .toString()
    .split("\0")
    .filter(Boolean);
  for (const file of tracked) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await cp(join(root, file), join(dir, file)).catch((error) => {
      if (error.code !== "ENOENT") throw error; // deleted but not yet committed
    });
  }
  for (const shared of ["node_modules", ".tools"]) await symlink(join(root, shared), join(dir, shared));
}

/** Runs `make` with `args` in `dir`; its exit code and output. */
function make(dir, args) {
  return new Promise((resolve) => {
    const child = spawn("make", ["--no-print-directory", ...args], {
      cwd: dir,
      env: { ...process.env, CARGO_TARGET_DIR: join(root, "target", "sabotage") },
    });
    let output = "";
    child.stdout.on("data", (chunk) => { output += chunk; });
    child.stderr.on("data", (chunk) => { output += chunk; });
    child.on("close", (code) => resolve({ code, output }));
  });
}

/**
 * The first test the output reports failing (cargo or node --test), if any. A node test counts
 * only when its own code failed: a failing hook (the runtime did not start, say) proves nothing.
 */
function firstFailure(output) {
  const cargo = output.match(/^test (\S+) \.\.\. FAILED$/m);
  const node = output
    .split(/^(?=not ok \d+ - |ok \d+ - )/m)
    .find((block) => block.startsWith("not ok") && /failureType: 'testCodeFailure'/.test(block))
    ?.match(/^not ok \d+ - (.+)$/m);
  const panic = output.match(/^thread '([^']+)' .*panicked at/m);
  return cargo?.[1] ?? node?.[1] ?? panic?.[1] ?? null;
}

const scratch = await mkdtemp(join(tmpdir(), "totp-sabotage-"));
const logs = join(root, "test-output", "sabotage");
await mkdir(logs, { recursive: true });
let caught = 0;
const failed = [];
const started = Date.now();
try {
  await copyTree(scratch);
  for (const sabotage of chosen) {
    const originals = new Map();
    let verdict, detail = "";
    try {
      for (const { file, find, put } of sabotage.edits) {
        const path = join(scratch, file);
        const text = originals.get(path) ?? (await readFile(path, "utf8"));
        originals.set(path, text);
        const current = await readFile(path, "utf8");
        const count = current.split(find).length - 1;
        if (count !== 1) throw new Error(`${file}: the text to find occurs ${count} times`);
        await writeFile(path, current.replace(find, () => put));
      }
      const { code, output } = await make(scratch, sabotage.targets);
      await writeFile(join(logs, `${sabotage.name}.log`), output);
      const failure = firstFailure(output);
      if (code === 0) verdict = "survived";
      else if (failure) [verdict, detail] = ["caught", failure];
      else [verdict, detail] = ["broken", `make failed without a failing test (see test-output/sabotage/${sabotage.name}.log)`];
    } catch (error) {
      [verdict, detail] = ["stale", error.message];
    } finally {
      for (const [path, text] of originals) await writeFile(path, text);
    }
    if (verdict === "caught") caught++;
    else failed.push(sabotage.name);
    console.log(`${verdict.padEnd(8)} ${sabotage.name}: ${sabotage.promise}${detail ? ` — ${detail}` : ""}`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(`sabotage: ${caught} of ${chosen.length} caught in ${minutes} min${failed.length ? `; not caught: ${failed.join(", ")}` : ""}`);
if (chosen.length === 0 || failed.length > 0) process.exit(1);
