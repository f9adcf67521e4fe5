/**
 * The self time of each function in a V8 CPU profile (what `deno run --cpu-prof` writes),
 * largest first: where docs/performance.md's profile percentages come from.
 *
 *   deno run -A --unstable-kv --cpu-prof --cpu-prof-dir=prof bench/micro.ts import-cpu FILE
 *   deno run -A bench/profile_summary.ts prof/*.cpuprofile [--top 30]
 *
 * Each profile (one per thread: a worker writes its own) is summed on its own.
 *
 * @module
 */
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of self time by "function file:line", and the profile's total. */
export function selfTimes(p: Profile): { total: number; byFunction: Map<string, number> } {
  const byNode = new Map<number, number>();
  p.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const us = byNode.get(n.id) ?? 0;
    total += us;
    const f = n.callFrame;
    const where = f.url ? ` ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "";
    const name = `${f.functionName || "(anonymous)"}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us / 1000);
  }
  return { total: total / 1000, byFunction };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { top: { type: "string", default: "30" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error("usage: bench/profile_summary.ts FILE.cpuprofile ... [--top N]");
    Deno.exit(2);
  }
  for (const file of positionals) {
    const { total, byFunction } = selfTimes(JSON.parse(await Deno.readTextFile(file)));
    console.log(`${file}: ${total.toFixed(0)} ms sampled`);
    const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
    for (const [name, ms] of top) {
      const share = (100 * ms / total).toFixed(1).padStart(5);
      console.log(`${ms.toFixed(1).padStart(9)} ms ${share}%  ${name}`);
    }
  }
}
