/**
 * Turning system messages as `MESG` shows them back into their raw text with Citadel's `^`
 * macros. A stock Citadel has no way to read a banner raw: `MESG` substitutes, line by line
 * and in this order, `^nodename`, `^humannode`, `^fqdn`, `^username`, `^usernum`, `^sysadm`,
 * `^variantname`, `^maxsessions` and `^bbsdir` (`do_help_subst` in Citadel's source). So the
 * fallback pull reads each banner twice: as the pulling user (`^username` is their name,
 * `^usernum` their number) and after `LOUT` (the name is empty, the number 0). The places where
 * the two readings differ are exactly the user macros; where they can be placed in only one
 * way, the raw text is certain. Node values (names, the sysadm) read the same in both and are
 * turned back where they stand as whole words: on a duplicate with the same config they show
 * the same either way.
 *
 * @module
 */
import { expandCitadel } from "../store/system_messages.ts";

/** The values `MESG` substitutes, by macro name (without the `^`). */
export type MacroValues = Record<string, string>;

/** Node values that are turned back into macros, longest value first when restoring. */
const NODE_MACROS = ["nodename", "humannode", "fqdn", "sysadm"] as const;
/** Shorter node values are too likely to be ordinary words or numbers. */
const MIN_NODE_VALUE = 3;
/** Lines longer than this are not searched for macro places (Citadel's lines are < 256). */
const MAX_LINE = 4096;

/** The raw text, or why it cannot be recovered with certainty. */
export type Restored = { raw: string } | { raw: null; why: string };

type Token = string | { macro: string };

/** One step of a parse: a user macro or one literal character, and where it leads. */
interface Step {
  count: number;
  token?: Token;
  next?: [number, number];
}

/**
 * The one way to read `user` and `anon` (one line each) as the same raw line: literal
 * characters equal in both, or a user macro (the user's value in one, the logged-out value in
 * the other). Returns the tokens and how many parses there are (counted up to 2).
 */
function parseLine(
  user: string,
  anon: string,
  alts: [string, string, string][],
): { count: number; tokens: Token[] } {
  const memo = new Map<number, Step>();
  const width = anon.length + 1;
  const go = (i: number, j: number): Step => {
    const key = i * width + j;
    const seen = memo.get(key);
    if (seen) return seen;
    const step: Step = { count: i === user.length && j === anon.length ? 1 : 0 };
    const options: [Token, number, number][] = alts
      .filter(([, uv, av]) => user.startsWith(uv, i) && anon.startsWith(av, j))
      .map(([macro, uv, av]) => [{ macro }, i + uv.length, j + av.length]);
    if (i < user.length && j < anon.length && user[i] === anon[j]) {
      options.push([user[i], i + 1, j + 1]);
    }
    for (const [token, ni, nj] of options) {
      const rest = go(ni, nj);
      if (rest.count === 0) continue;
      if (step.count === 0) Object.assign(step, { token, next: [ni, nj] });
      step.count = Math.min(2, step.count + rest.count);
    }
    memo.set(key, step);
    return step;
  };
  const first = go(0, 0);
  const tokens: Token[] = [];
  for (let s = first; s.next; s = memo.get(s.next[0] * width + s.next[1])!) tokens.push(s.token!);
  return { count: first.count, tokens };
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Turns whole-word node values in a literal piece of text back into their macros. */
function restoreNodeValues(text: string, values: MacroValues): string {
  const all = NODE_MACROS.map((m) => values[m] ?? "");
  const usable = NODE_MACROS
    .filter((_m, k) => {
      const v = all[k];
      // A value two macros share could be either: it stays as it is (it shows the same).
      return v.length >= MIN_NODE_VALUE && !v.includes("^") && all.indexOf(v) === k &&
        all.lastIndexOf(v) === k;
    })
    .sort((a, b) => values[b].length - values[a].length);
  // Replaced in one pass over the text, longest value first at each place.
  let out = "";
  let i = 0;
  outer: while (i < text.length) {
    for (const m of usable) {
      const v = values[m];
      if (
        text.startsWith(v, i) && !isWordChar(text[i - 1]) && !isWordChar(text[i + v.length])
      ) {
        out += `^${m}`;
        i += v.length;
        continue outer;
      }
    }
    out += text[i++];
  }
  return out;
}

/**
 * The raw text of a banner from two readings: `shown` as the pulling user saw it and `anon`
 * as it reads after `LOUT` (null when that reading failed). `values` are the source's macro
 * values for the pulling user (username, usernum, and the node values from its config).
 */
export function restoreMacros(shown: string, anon: string | null, values: MacroValues): Restored {
  const username = values.username ?? "";
  const usernum = values.usernum ?? "";
  if (anon === null) {
    if ((username && shown.includes(username)) || (usernum && shown.includes(usernum))) {
      return { raw: null, why: "no logged-out reading to tell ^username/^usernum from text" };
    }
    anon = shown;
  }
  const userLines = shown.split("\n");
  const anonLines = anon.split("\n");
  if (userLines.length !== anonLines.length) {
    return { raw: null, why: "the two readings differ in their lines" };
  }
  const alts: [string, string, string][] = [
    ["username", username, ""],
    ["usernum", usernum, "0"],
  ].filter(([, uv, av]) => uv !== "" && uv !== av) as [string, string, string][];
  const raw: string[] = [];
  for (let k = 0; k < userLines.length; k++) {
    const [u, a] = [userLines[k], anonLines[k]];
    let tokens: Token[];
    if (u === a) tokens = [u]; // equal readings hold no user macro (see docs/interop.md)
    else if (u.length > MAX_LINE || a.length > MAX_LINE) {
      return { raw: null, why: `line ${k + 1} is too long to place macros in` };
    } else {
      const p = parseLine(u, a, alts);
      if (p.count === 0) {
        return { raw: null, why: `line ${k + 1} differs in a way macros do not explain` };
      }
      if (p.count > 1) {
        return { raw: null, why: `line ${k + 1}: ^username or ^usernum could stand in two places` };
      }
      tokens = p.tokens;
    }
    raw.push(joinTokens(tokens, values));
  }
  const text = raw.join("\n");
  // The raw text must read back as both readings, or it is not the source's.
  const anonValues = { ...values, username: "", usernum: "0" };
  if (expandCitadel(text, values) !== shown || expandCitadel(text, anonValues) !== anon) {
    return { raw: null, why: "the restored text does not read back as the source shows it" };
  }
  return { raw: text };
}

function joinTokens(tokens: Token[], values: MacroValues): string {
  let out = "";
  let literal = "";
  for (const t of tokens) {
    if (typeof t === "string") literal += t;
    else {
      out += restoreNodeValues(literal, values) + `^${t.macro}`;
      literal = "";
    }
  }
  return out + restoreNodeValues(literal, values);
}
