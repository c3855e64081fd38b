// Every file below a folder, for the tests that scan persisted state for what must not be there.
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}
