import { CtdlError } from "../../errors.ts";
import { configOp, readAllConfig, readConfig } from "../../store/control.ts";
import type { Op } from "../../store/store.ts";
import { subVerbs } from "../dispatch.ts";
import type { CommandTable, Session } from "../session.ts";

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
  "",
  "c_auth_mode",
  "",
  "",
  "", // 55
  "",
  "c_rbl_at_greeting",
  "",
  "",
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

/** A config key a client may name: no separators, no line breaks, not too long. */
function configKey(raw: string | undefined): string {
  const key = (raw ?? "").trim();
  if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(key)) {
    throw new CtdlError(512, "A configuration key name is required.");
  }
  return key;
}

/** The ops that set `values` where they differ from `current` (absent counts as ""). */
function changedOps(current: Map<string, string>, values: [string, string][]): Op[] {
  return values
    .filter(([key, value]) => (current.get(key) ?? "") !== value)
    .map(([key, value]) => configOp(key, value));
}

async function confGet(s: Session): Promise<void> {
  const config = await readAllConfig(s.server.store);
  await s.listing(
    "Configuration...",
    CONF_POSITIONS.map((key) => (key === "" ? "" : config.get(key) ?? "")),
  );
}

async function confSet(s: Session): Promise<void> {
  // Refuse before 400: once the client has sent its lines, only silence may follow.
  s.server.store.writeGuard?.();
  await s.reply("400 Send configuration...");
  const lines = await s.readListing(1000);
  const values: [string, string][] = [];
  // A short list leaves the later positions unchanged; unused positions are ignored.
  lines.forEach((line, i) => {
    const key = CONF_POSITIONS[i];
    if (key) values.push([key, line]);
  });
  const store = s.server.store;
  const ops = changedOps(await readAllConfig(store), values);
  if (ops.length > 0) await store.write(ops);
  // Like Citadel, nothing is sent after the client's 000.
}

/** Site configuration: CONF GET|SET (positional) and GETVAL|PUTVAL|LISTVAL (by key). */
export const adminCommands: CommandTable = {
  CONF: subVerbs("aide", {
    GET: confGet,
    SET: confSet,
    async GETVAL(s, args) {
      const key = configKey(args[0]);
      await s.reply(`200 ${await readConfig(s.server.store, key)}|`);
    },
    async PUTVAL(s, args) {
      const key = configKey(args[0]);
      if (args.length < 2) throw new CtdlError(512, "CONF PUTVAL takes key|value");
      // The value is everything after the key: a `|` in it is kept, not cut.
      const value = args.slice(1).join("|");
      const store = s.server.store;
      const ops = changedOps(await readAllConfig(store), [[key, value]]);
      if (ops.length > 0) await store.write(ops);
      else s.server.store.writeGuard?.();
      await s.reply("200 OK");
    },
    async LISTVAL(s) {
      const config = await readAllConfig(s.server.store);
      await s.listing(
        "all configuration variables",
        [...config.entries()].map(([k, v]) => `${k}|${v}`),
      );
    },
  }, () => "Illegal option(s) specified."),
};
