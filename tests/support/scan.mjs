// Scans persisted state for what must not be there, the way it is stored: each file is searched
// as it is and with every base64 run decoded (storage writes binary values, sealed secrets and
// profiles as base64 text), so a value stored unsealed is found whichever way it was written.
import { readFile, stat } from "node:fs/promises";
import { files } from "./files.mjs";

const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}/g;

/**
 * What `bytes` holds: itself, then each base64 run in it decoded, from each of its first four
 * characters (a record header byte may sit in the alphabet just before a value).
 */
export function readable(bytes) {
  const text = bytes.toString("latin1");
  const decoded = [...text.matchAll(BASE64_RUN)].flatMap(([run]) =>
    [0, 1, 2, 3].map((skip) => Buffer.from(run.slice(skip), "base64")),
  );
  return [bytes, ...decoded];
}

/**
 * Every file below `dir` scanned for `needles` ([name, Buffer] pairs): the hits (`[name, path]`),
 * the files and bytes scanned, and the write-ahead logs met (path and size), so a caller can
 * require that they were there to scan.
 */
export async function scan(dir, needles) {
  const hits = [], wal = [];
  let count = 0, bytes = 0;
  for await (const path of files(dir)) {
    const content = await readFile(path);
    count++;
    bytes += content.length;
    if (path.endsWith("-wal")) wal.push({ path, size: (await stat(path)).size });
    const views = readable(content);
    for (const [name, needle] of needles) {
      if (views.some((view) => view.indexOf(needle) !== -1)) hits.push([name, path]);
    }
  }
  return { hits, count, bytes, wal };
}
