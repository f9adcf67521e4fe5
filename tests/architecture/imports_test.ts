/**
 * The layers hold: every static import in src/, main.ts and fixtures/ goes down the stack
 * (docs/architecture.md draws the same graph), never up, never between command families,
 * never between client and server. Reads every import line of every file.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** Layers, lowest first; a file may import its own layer's folder and any lower layer. */
const LAYERS: [prefix: string, rank: number][] = [
  ["deno.json", -1],
  ["src/errors.ts", 0],
  ["src/log.ts", 0],
  ["src/version.ts", 0],
  ["src/wire/", 1],
  ["src/message/", 2],
  ["src/schema/", 3],
  ["src/migr/", 4],
  ["src/store/", 5],
  ["src/server/", 6],
  ["src/client/", 6],
  ["src/mirror/", 7],
  ["src/app/", 8],
  ["src/tools/", 9],
  ["fixtures/", 10],
  ["src/cli/", 11],
  ["main.ts", 12],
];

function layerOf(file: string): [string, number] {
  for (const [prefix, rank] of LAYERS) if (file.startsWith(prefix)) return [prefix, rank];
  throw new Error(`${file} is in no layer; add it to LAYERS and docs/architecture.md`);
}

/**
 * The command family of a file under src/server/commands/: its name up to the first `_`
 * (`sync_user.ts` holds SYNC's user-scoped actions, so it is of the sync family).
 */
function family(file: string): string | null {
  const m = /^src\/server\/commands\/([^/_.]+)/.exec(file);
  return m ? m[1] : null;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(join(root, dir))) {
    const rel = join(dir, e.name);
    if (e.isDirectory) yield* sources(rel);
    else if (e.name.endsWith(".ts")) yield rel;
  }
}

/** Why an import from `from` to `to` breaks the layering, or null when it is fine. */
function problem(from: string, to: string): string | null {
  const [fromLayer, a] = layerOf(from);
  const [toLayer, b] = layerOf(to);
  if (to.startsWith("fixtures/") && !from.startsWith("fixtures/")) {
    return "fixtures/ is test data, off the production import path";
  }
  if (b > a) return `goes up the stack (${fromLayer} -> ${toLayer})`;
  if (b === a && fromLayer !== toLayer) return `goes sideways (${fromLayer} -> ${toLayer})`;
  const ff = family(from), tf = family(to);
  if (ff && tf && ff !== tf && ff !== "mod" && !tf.startsWith("_")) {
    return `goes sideways between command families (${ff} -> ${tf})`;
  }
  return null;
}

Deno.test("every import goes down the stack", async () => {
  const files = ["main.ts"];
  for (const dir of ["src", "fixtures"]) for await (const f of sources(dir)) files.push(f);
  const bad: string[] = [];
  let imports = 0;
  for (const file of files) {
    const text = await Deno.readTextFile(join(root, file));
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)) {
      imports++;
      const to = relative(root, join(root, dirname(file), m[1]));
      const why = problem(file, to);
      if (why) bad.push(`${file} imports ${to}: ${why}`);
    }
  }
  assert.deepEqual(bad, []);
  // The scan really read the code base (a broken regexp would pass with zero imports).
  if (imports < 200) throw new Error(`only ${imports} imports found`);
});

Deno.test("the layering check catches an upward and a sideways import", () => {
  assert.deepEqual(problem("src/store/x.ts", "src/server/session.ts")?.startsWith("goes up"), true);
  assert.deepEqual(
    problem("src/client/x.ts", "src/server/session.ts")?.startsWith("goes side"),
    true,
  );
  assert.deepEqual(
    problem("src/server/commands/files.ts", "src/server/commands/messages.ts")?.includes(
      "families",
    ),
    true,
  );
  assert.deepEqual(problem("src/server/commands/files.ts", "src/store/store.ts"), null);
});
