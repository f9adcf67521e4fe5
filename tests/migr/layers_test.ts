/**
 * MIGR's layers hold (issue 11, item 3): the pure parts (src/migr/, src/schema/) import
 * nothing with state or I/O, and the application-level MIGR code (src/app/) is imported by
 * no lower layer: client/ and server/ get what they need through options.
 */
import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";

const root = resolve(new URL("../../src", import.meta.url).pathname);

/** Every relative import of every .ts file under `dir`, as paths under src/. */
async function imports(dir: string): Promise<{ file: string; target: string }[]> {
  const out: { file: string; target: string }[] = [];
  for await (const e of Deno.readDir(join(root, dir))) {
    const path = join(root, dir, e.name);
    if (e.isDirectory) {
      out.push(...await imports(join(dir, e.name)));
      continue;
    }
    if (!e.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(path);
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"/gms)) {
      out.push({ file: relative(root, path), target: relative(root, resolve(path, "..", m[1])) });
    }
  }
  return out;
}

function layer(path: string): string {
  return path.split("/")[0];
}

Deno.test("layers: src/migr/ and src/schema/ import only pure layers", async () => {
  const pure = new Set(["migr", "schema", "message", "wire"]);
  for (const dir of ["migr", "schema"]) {
    const found = await imports(dir);
    assert.ok(found.length > 0, `${dir}/ has imports to check`);
    for (const { file, target } of found) {
      assert.ok(pure.has(layer(target)), `${file} imports ${target}, above the pure layers`);
    }
  }
  // schema/ is below migr/: it must not know the MIGR document's reader.
  for (const { file, target } of await imports("schema")) {
    assert.notEqual(layer(target), "migr", `${file} imports ${target}`);
  }
});

Deno.test("layers: nothing below src/app/ imports it", async () => {
  for (const dir of ["client", "server", "store", "migr", "schema", "message", "wire"]) {
    for (const { file, target } of await imports(dir)) {
      assert.notEqual(layer(target), "app", `${file} imports ${target} (application level)`);
    }
  }
  // And the check sees real imports: app/ does use client/ and store/.
  const app = (await imports("app")).map((i) => layer(i.target));
  assert.ok(app.includes("client") && app.includes("store"));
});
