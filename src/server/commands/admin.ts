import { Code, CtdlError } from "../../errors.ts";
import { configOp, readAllConfig, readConfig, readCounter } from "../../store/control.ts";
import { atol } from "../args.ts";
import { aideNotice } from "../post_message.ts";
import type { Op } from "../../store/store.ts";
import { subVerbs } from "../dispatch.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";

/**
 * The legacy positional config of `CONF GET` / `CONF SET`: line N is the `c_*` key at
 * index N, "" where Citadel's struct had a field it no longer uses. Clients (the text
 * client's .A)ide S)ystem configuration, WebCit) address settings by these positions.
 */
export const CONF_POSITIONS: readonly string[] = [
  "c_nodename", // 0
  "c_fqdn",
  "c_humannode",
  "",
  "c_creataide",
  "c_sleeping", // 5
  "c_initax",
  "c_regiscall",
  "c_twitdetect",
  "c_twitroom",
  "c_moreprompt", // 10
  "c_restrict",
  "c_site_location",
  "c_sysadm",
  "c_maxsessions",
  "", // 15
  "c_userpurge",
  "c_roompurge",
  "c_logpages",
  "c_createax",
  "c_maxmsglen", // 20
  "c_min_workers",
  "c_max_workers",
  "c_pop3_port",
  "c_smtp_port",
  "c_rfc822_strict_from", // 25
  "c_aide_zap",
  "c_imap_port",
  "c_net_freq",
  "c_disable_newu",
  "", // 30
  "c_purge_hour",
  "c_ldap_host",
  "c_ldap_port",
  "c_ldap_base_dn",
  "c_ldap_bind_dn", // 35
  "c_ldap_bind_pw",
  "c_ip_addr",
  "c_msa_port",
  "c_imaps_port",
  "c_pop3s_port", // 40
  "c_smtps_port",
  "c_enable_fulltext",
  "c_auto_cull",
  "",
  "c_allow_spoofing", // 45
  "c_journal_email",
  "c_journal_pubmsgs",
  "c_journal_dest",
  "c_default_cal_zone",
  "c_pftcpdict_port", // 50
  "c_managesieve_port",
  "c_auth_mode",
  "c_funambol_host",
  "c_funambol_port",
  "c_funambol_source", // 55
  "c_funambol_auth",
  "c_rbl_at_greeting",
  "c_master_user",
  "c_master_pass",
  "c_pager_program", // 60
  "c_imap_keep_from",
  "c_xmpp_c2s_port",
  "c_xmpp_s2s_port",
  "c_pop3_fetch",
  "c_pop3_fastest", // 65
  "c_spam_flag_only",
  "c_guest_logins",
  "c_port_number",
  "c_ctdluid",
  "c_nntp_port", // 70
  "c_nntps_port",
];

/**
 * How CONF GET prints each position, as 902 does: text values print `(null)` when unset,
 * numbers print atoi() of the value (0 when unset), and retired positions print a constant
 * ("xxx", or 1).
 */
const TEXT_POSITIONS = new Set([
  0,
  1,
  2,
  9,
  10,
  12,
  13,
  18,
  32,
  34,
  35,
  36,
  37,
  48,
  49,
  53,
  55,
  56,
  58,
  59,
  60,
]);
const CONSTANT_POSITIONS = new Map([[3, "xxx"], [15, "xxx"], [30, "1"], [44, "1"]]);

/** The config table also holds CONF PUTSYS stanzas, under this prefix (never a c_ key). */
const SYSCONFIG = "sysconfig/";

/** A config key a client may name: no separators, no line breaks, not too long. */
function configKey(raw: string | undefined): string {
  const key = (raw ?? "").trim();
  if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(key)) {
    throw new CtdlError(Code.ILLEGAL_VALUE, "A configuration key name is required.");
  }
  return key;
}

/** The ops that set `values` where they differ from `current` (absent counts as ""). */
function changedOps(current: Map<string, string>, values: [string, string][]): Op[] {
  return values
    .filter(([key, value]) => (current.get(key) ?? "") !== value)
    .map(([key, value]) => configOp(key, value));
}

/** Position `i` of CONF GET as 902 prints it from `config`. */
function shownValue(config: Map<string, string>, i: number): string {
  const fixed = CONSTANT_POSITIONS.get(i);
  if (fixed !== undefined) return fixed;
  const value = config.get(CONF_POSITIONS[i]);
  if (TEXT_POSITIONS.has(i)) return value ?? "(null)";
  return String(atol(value));
}

async function confGet(s: Session): Promise<void> {
  const config = await readAllConfig(s.server.store);
  await s.listing("Configuration...", CONF_POSITIONS.map((_, i) => shownValue(config, i)));
}

async function confSet(s: Session): Promise<void> {
  // Refuse before 400: once the client has sent its lines, only silence may follow.
  s.server.store.writeGuard?.();
  await s.reply(`${Code.SEND_LISTING} Send configuration...`);
  const lines = await s.readListing(1000);
  const store = s.server.store;
  const config = await readAllConfig(store);
  const values: [string, string][] = [];
  // A short list leaves the later positions unchanged; unused positions are ignored. Every
  // other position is written, as 902 writes it, except a "(null)" said back for an unset
  // text setting (902 would store those six letters).
  lines.forEach((line, i) => {
    const key = CONF_POSITIONS[i];
    if (!key) return;
    if (line === "(null)" && TEXT_POSITIONS.has(i) && !config.has(key)) return;
    values.push([key, line]);
  });
  const ops = changedOps(config, values);
  if (ops.length > 0) await store.write(ops);
  await aideNotice(
    s,
    "Citadel Configuration Manager Message",
    `The global system configuration has been edited by ${s.requireUser().fullname}.`,
  );
  // Like Citadel, nothing is sent after the client's 000.
}

/** Site configuration: CONF GET|SET (positional) and GETVAL|PUTVAL|LISTVAL (by key). */
export const adminCommands: CommandTable = {
  CONF: subVerbs("aide", {
    GET: confGet,
    SET: confSet,
    async GETVAL(s, args) {
      const key = configKey(args[0]);
      const value = await s.server.store.get("config", [key]);
      if (value === null) return await s.reply(`${Code.ERROR} |`);
      await s.reply(`${Code.OK} ${await readConfig(s.server.store, key)}|`);
    },
    async PUTVAL(s, args) {
      if (args.length < 2) throw new CtdlError(Code.ERROR, "name and value required");
      const key = configKey(args[0]);
      // The value is everything after the key: a `|` in it is kept, not cut.
      const value = args.slice(1).join("|");
      const store = s.server.store;
      const ops = changedOps(await readAllConfig(store), [[key, value]]);
      if (ops.length > 0) await store.write(ops);
      else s.server.store.writeGuard?.();
      await s.reply(`${Code.OK} setting '${key}' to '${value}'`);
    },
    async LISTVAL(s) {
      const store = s.server.store;
      const values = [...await readAllConfig(store)].filter(([k]) => !k.startsWith(SYSCONFIG));
      // 902 keeps its control record's counters among the config variables.
      for (const c of ["MMflags", "MMhighest", "MMnextroom", "MMnextuser"] as const) {
        values.push([c, String(await readCounter(store, c))]);
      }
      values.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await s.listing("all configuration variables", values.map(([k, v]) => `${k}|${v}`));
    },
    async GETSYS(s, args) {
      const name = args[0] ?? "";
      const text = await s.server.store.get("config", [SYSCONFIG + name]);
      if (text === null) throw new CtdlError(Code.ILLEGAL_VALUE, "No such configuration.");
      const body = new TextDecoder().decode(text).replace(/\n$/, "");
      await s.listing(name, body === "" ? [] : body.split("\n"));
    },
    async PUTSYS(s, args) {
      const name = args[0] ?? "";
      s.server.store.writeGuard?.();
      await s.reply(`${Code.SEND_LISTING} ${name}`);
      const lines = await s.readListing(100_000);
      await s.server.store.write([configOp(SYSCONFIG + name, lines.map((l) => l + "\n").join(""))]);
    },
  }, () => "Illegal option(s) specified."),
  GVDN: {
    access: "user",
    async run(s) {
      // The site's own domain, then the internet config's local domains (902's cmd_gvdn).
      const store = s.server.store;
      const domains = [await readConfig(store, "c_fqdn", "localhost")];
      const cfg = await store.get("config", [SYSCONFIG + "application/x-citadel-internet-config"]);
      for (const line of new TextDecoder().decode(cfg ?? new Uint8Array()).split("\n")) {
        const [domain, kind] = line.split("|");
        if (domain && (kind === "localhost" || kind === "directory")) domains.push(domain);
      }
      await s.listing("Valid Domains", [...new Set(domains)]);
    },
  },
};
