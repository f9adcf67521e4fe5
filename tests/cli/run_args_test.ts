import assert from "node:assert/strict";
import { DENO_RUN, V8_FLAGS } from "../../src/tools/run_args.ts";

const config = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

Deno.test("deno.json: every task that runs ctdlsync uses the flags the tests and bench use", () => {
  const runs = Object.entries(config.tasks).filter(([, cmd]) =>
    /^deno (run|compile) .* main\.ts\b/.test(cmd)
  );
  assert.ok(runs.length >= 5, "the tasks that run main.ts");
  for (const [name, cmd] of runs) {
    const want = name === "compile"
      ? `--v8-flags=${V8_FLAGS}`
      : `deno ${DENO_RUN.join(" ")} main.ts`;
    assert.ok(cmd.includes(want), `task ${name}: '${cmd}' lacks '${want}'`);
  }
  assert.ok(config.tasks.bench.startsWith(`deno ${DENO_RUN.join(" ")} bench/`), "bench task");
});
