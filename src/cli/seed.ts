import { statsTable } from "../client/report.ts";
import { TABLE_NAMES } from "../store/tables.ts";
import { loadFixture } from "../tools/load_fixture.ts";
import { generateSystem } from "../tools/seed.ts";
import { int, need, parseFlags, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { withLockedStore } from "./locked.ts";

/** `ctdlsync seed`: fills a store with the small fixture or a generated system. */
export const seed: Command = {
  usage:
    `seed --data DIR (--fixture small | --users N --rooms N --messages N --files N [--seed S])`,
  async run(args) {
    const f = parseFlags(args, {
      data: "string",
      fixture: "string",
      users: "string",
      rooms: "string",
      messages: "string",
      files: "string",
      seed: "string",
    });
    if (f.fixture !== undefined && f.fixture !== "small") {
      throw new UsageError(`unknown fixture '${f.fixture}' (small)`);
    }
    const sizes = {
      users: int(f, "users", 20),
      rooms: int(f, "rooms", 10),
      messages: int(f, "messages", 1000),
      files: int(f, "files", 5),
      seed: int(f, "seed", 1),
    };
    return await withLockedStore(need(f, "data"), "seed", { create: true }, async (store) => {
      if (f.fixture !== undefined) await (await loadFixture()).buildFixture(store);
      else await generateSystem(store, sizes);
      console.log(statsTable(await Promise.all(TABLE_NAMES.map((t) => store.stats(t)))));
      return 0;
    });
  },
};
