// The workerd process a bench started, and its CPU time from /proc (Linux): what a run of
// requests cost the runtime, steadier than throughput on a shared machine.
import { readFileSync } from "node:fs";
import { workerdPids } from "../tests/support/worker.mjs";

/** Seconds of CPU (user and system) process `pid` has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // After the command name (in parentheses, which may hold spaces): utime and stime are fields
  // 14 and 15, in clock ticks of 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** What `start` answers, and the id of the one workerd process it launched. */
export async function launched(start) {
  const before = new Set(workerdPids());
  const running = await start();
  const pids = workerdPids().filter((pid) => !before.has(pid));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  return { running, pid: pids[0] };
}
