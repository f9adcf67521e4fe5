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
  /** Why ctdlsync differs (the same words as docs/interop.md). */
  why: string;
  /**
   * The reply ctdlsync must give for `command` where 902 gave `want`, or null when the rule
   * does not concern this reply. `got` is only read where the value is host-specific.
   */
  apply(command: string, want: string[], got: string[]): string[] | null;
}

const verbOf = (command: string) => command.slice(0, 4).toUpperCase();

/** Replaces field `i` (|-separated) of line `n` of `lines`. */
function setField(lines: string[], n: number, i: number, value: string): string[] {
  const out = [...lines];
  const f = out[n].split("|");
  f[i] = value;
  out[n] = f.join("|");
  return out;
}

/** The rules; `bannerRooms` are the data-set rooms whose export carries a banner. */
export function exceptionRules(bannerRooms: Set<string>): ExceptionRule[] {
  return [
    {
      name: "imported banners",
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
      why: "902's indexer ran before the import and never again, so it finds nothing; " +
        "ctdlsync's index follows every write and finds the words",
      apply(command, want, got) {
        if (command === "CONF LISTVAL") {
          // 902 marks its (unused) index's wordbreaker -1 at start; ctdlsync keeps the
          // imported value, which its own index does not read.
          const n = want.indexOf("MM_fulltext_wordbreaker|-1");
          return n < 0 ? null : want.map((l, i) => (i === n ? got[n] ?? l : l));
        }
        if (command === "SRCH harvest") {
          // Across rooms: the harvest posts and notices. The count must agree with the list
          // and hold at least the three Harvest Room posts; MSGS SEARCH pins which ones.
          const m = /^100 (\d+) msgs match all search words:$/.exec(got[0] ?? "");
          return m && Number(m[1]) === got.length - 2 && got.length - 2 >= 3 ? got : null;
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
      name: "server uid",
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
