/**
 * The places where ctdlsync answers differently from the 902 recorded in
 * replies-all-verbs.txt on purpose. docs/interop.md lists the same with the same reasons.
 *
 * Each rule rewrites the golden reply of one kind of command into the reply ctdlsync must
 * give instead, narrowly (one field, one line), so every other part of that reply is still
 * held to 902's. A rule that rewrites nothing leaves the reply as 902's.
 */

/** One documented difference. */
export interface ExceptionRule {
  /** Short name, printed with the count of replies it applied to. */
  name: string;
  /** Which of the allowed kinds of difference this is (docs/interop.md's table). */
  kind: Kind;
  /** Why ctdlsync differs (the same words as docs/interop.md). */
  why: string;
  /**
   * The reply ctdlsync must give for `command` where 902 gave `want`, or null when the rule
   * does not concern this reply. `got` is read only for the field the rule is about;
   * `bound` gives the value a token (`{{MSG3}}`) was bound to earlier in the run.
   */
  apply(
    command: string,
    want: string[],
    got: string[],
    bound: (token: string) => string,
  ): string[] | null;
}

/** The only kinds of difference allowed. */
export type Kind =
  | "902 bug listed in the README"
  | "software name"
  | "no write on login"
  | "only password hashes stored"
  | "host-specific value";

const verbOf = (command: string) => command.slice(0, 4).toUpperCase();

/** Replaces field `i` (|-separated) of line `n` of `lines`. */
function setField(lines: string[], n: number, i: number, value: string): string[] {
  const out = [...lines];
  const f = out[n].split("|");
  f[i] = value;
  out[n] = f.join("|");
  return out;
}

/**
 * The personal rooms 902 makes at an account's first login and ctdlsync at its creation:
 * Sent Items, Trash, Drafts, Calendar, Contacts, Notes and Tasks (Mail and My Citadel
 * Config come with the account on both).
 */
export const LOGIN_ROOMS = 7;

/**
 * The rules; `bannerRooms` are the data-set rooms whose export carries a banner,
 * `creuNeverLoggedIn` the accounts the run makes with CREU that never log in.
 */
export function exceptionRules(
  bannerRooms: Set<string>,
  creuNeverLoggedIn = 0,
): ExceptionRule[] {
  return [
    {
      name: "imported banners",
      kind: "902 bug listed in the README",
      why: "902's MIGR import drops msgnum_info, so data-set rooms lose their banner " +
        "(GOTO's info flag 0, RINF 571); ctdlsync keeps it, so GOTO flags it as unread",
      apply(command, want, got) {
        if (verbOf(command) !== "GOTO" || !/^200/.test(want[0] ?? "")) return null;
        const name = want[0].slice(4).split("|")[0];
        if (!bannerRooms.has(name) || want[0].split("|")[3] !== "0") return null;
        return setField(want, 0, 3, got[0]?.split("|")[3] ?? "1");
      },
    },
    {
      name: "software name",
      kind: "software name",
      why: "INFO line 4 names the server software: ctdlsync says ctdlsync",
      apply(command, want) {
        if (verbOf(command) !== "INFO" || want[5] !== "Citadel 902") return null;
        const out = [...want];
        out[5] = "ctdlsync";
        return out;
      },
    },
    {
      name: "login counters",
      kind: "no write on login",
      why: "ctdlsync does not write on login (a pull's own login must not change what it " +
        "pulls), so times-called and last-call stay as they were",
      apply(command, want, got) {
        const verb = verbOf(command);
        if (verb === "PASS" && /^200 /.test(want[0] ?? "")) {
          return setField(want, 0, 2, got[0]?.split("|")[2] ?? "");
        }
        if (verb === "RBIO" && /^100 OK\|/.test(want[0] ?? "")) {
          return setField(want, 0, 5, got[0]?.split("|")[5] ?? "");
        }
        if (verb === "LIST") {
          // Users who logged in during the run: their last call is masked, times called not.
          let out = want;
          want.forEach((line, n) => {
            const f = line.split("|");
            if (f[3] === "{{TIME}}" && got[n]?.split("|")[0] === f[0]) {
              out = setField(out, n, 4, got[n].split("|")[4]);
            }
          });
          return out === want ? null : out;
        }
        return null;
      },
    },
    {
      name: "KILL removes the room",
      kind: "902 bug listed in the README",
      why: "902 renames a killed room to 9999999999.<hex time>.0001.<name> and leaves it in " +
        "Aides' room lists; ctdlsync deletes it",
      apply(command, want) {
        if (!verbOf(command).startsWith("LKR")) return null;
        const kept = want.filter((l) => !l.startsWith("9999999999."));
        return kept.length === want.length ? null : kept;
      },
    },
    {
      name: "full-text search",
      kind: "902 bug listed in the README",
      why: "902's indexer ran before the import and never again, so it finds nothing; " +
        "ctdlsync's index follows every write and finds the words",
      apply(command, want, got, bound) {
        if (command === "CONF LISTVAL") {
          // 902 marks its (unused) index's wordbreaker -1 at start; ctdlsync keeps the
          // imported value, which its own index does not read.
          const n = want.indexOf("MM_fulltext_wordbreaker|-1");
          return n < 0 ? null : want.map((l, i) => (i === n ? got[n] ?? l : l));
        }
        if (command === "SRCH harvest") {
          // Across rooms: the harvest posts and notices. The count must agree with the list,
          // which must hold the three Harvest Room posts MSGS SEARCH found (bound there).
          const m = /^100 (\d+) msgs match all search words:$/.exec(got[0] ?? "");
          const posts = ["{{MSG3}}", "{{MSG4}}", "{{MSG5}}"].map(bound);
          const listed = got.slice(1, -1);
          return m && Number(m[1]) === listed.length && posts.every((n) => listed.includes(n))
            ? [m[0], ...listed, "000"]
            : null;
        }
        if (command === "MSGS SEARCH|harvest" || command === "MSGS SEARCH|the") {
          // In Harvest Room: the plain post, the MIME post and the reply hold both words.
          return [want[0], "{{MSG4}}", "{{MSG3}}", "{{MSG5}}", "000"];
        }
        return null;
      },
    },
    {
      name: "UCLS 0 removes the partial file",
      kind: "902 bug listed in the README",
      why: "902 answers 'aborted' but keeps the partial upload in the directory; ctdlsync " +
        "keeps nothing of it",
      apply(command, want) {
        if (verbOf(command) !== "RDIR") return null;
        const kept = want.filter((l) => !l.startsWith("aborted.bin|"));
        return kept.length === want.length ? null : kept;
      },
    },
    {
      name: "no clear-text passwords",
      kind: "only password hashes stored",
      why: "ctdlsync keeps only password hashes, so AGUP and GREG show the password empty",
      apply(command, want) {
        const verb = verbOf(command);
        if (verb === "AGUP" && /^200 /.test(want[0] ?? "")) return setField(want, 0, 1, "");
        if (verb === "GREG" && /^100 /.test(want[0] ?? "") && want.length > 2) {
          const out = [...want];
          out[2] = "";
          return out;
        }
        return null;
      },
    },
    {
      name: "personal rooms at account creation",
      kind: "no write on login",
      why: "902 makes an account's Sent Items, Trash, Drafts, Calendar, Contacts, Notes and " +
        "Tasks at its first login; ctdlsync does not write on login, so CREU and NEWU make " +
        "them with the account, and CONF LISTVAL's MMnextroom counts 7 more rooms for each " +
        "CREU account that has not logged in",
      apply(command, want) {
        if (command !== "CONF LISTVAL" || creuNeverLoggedIn === 0) return null;
        const n = want.findIndex((l) => /^MMnextroom\|\d+$/.test(l));
        if (n < 0) return null;
        const next = Number(want[n].split("|")[1]) + LOGIN_ROOMS * creuNeverLoggedIn;
        return want.map((l, i) => (i === n ? `MMnextroom|${next}` : l));
      },
    },
    {
      name: "server uid",
      kind: "host-specific value",
      why: "CONF GET line 69 is the Unix uid the server runs as, which is the host's",
      apply(command, want, got) {
        if (command !== "CONF GET" || want.length < 71) return null;
        const out = [...want];
        out[70] = got[70] ?? "";
        return out;
      },
    },
  ];
}

/** The data-set rooms whose export record names a banner (msgnum_info > 0). */
export function roomsWithBanner(exportXml: string): Set<string> {
  const out = new Set<string>();
  for (const m of exportXml.matchAll(/<room>\s*<QRname>([^<]*)<\/QRname>[\s\S]*?<\/room>/g)) {
    const info = /<msgnum_info>(\d+)<\/msgnum_info>/.exec(m[0]);
    if (info && Number(info[1]) > 0) out.add(m[1]);
  }
  return out;
}

/**
 * The accounts a golden run makes with CREU (`< 200 User 'X' created`) that never log in
 * afterwards (no `USER X`, following the renames RENU made).
 */
export function creuAccountsNeverLoggedIn(golden: string): number {
  const lines = golden.split("\n");
  let count = 0;
  lines.forEach((line, at) => {
    const made = /^< 200 User '(.*)' created/.exec(line);
    if (!made) return;
    let name = made[1].toLowerCase();
    for (let i = at + 1; i < lines.length; i++) {
      const renu = /^> RENU ([^|]*)\|(.*)$/i.exec(lines[i]);
      const done = lines[i + 1]?.startsWith("< 200") ?? false;
      if (renu && done && renu[1].toLowerCase() === name) name = renu[2].toLowerCase();
      if (lines[i].toLowerCase() === `> user ${name}`) return;
    }
    count++;
  });
  return count;
}
