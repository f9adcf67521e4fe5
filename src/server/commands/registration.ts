import { Code, CtdlError } from "../../errors.ts";
import { ControlFlag, counterOp, readConfig, readCounter } from "../../store/control.ts";
import { deleteFromRoom } from "../../store/messages.ts";
import { AxLevel, getUser, listUsers, updateUser, UserFlag } from "../../store/users.ts";
import { ownAddress } from "../addresses.ts";
import { atol } from "../args.ts";
import { aideNotice } from "../post_message.ts";
import { type Card, defaultCard, findCard, saveCard } from "../registration_card.ts";
import type { CommandTable } from "../command.ts";
import type { Session } from "../session.ts";
import { userConfigRoom } from "../user_config.ts";

/** Sets MM_VALID: 902's GNUR looks for unvalidated users only once someone registered. */
async function flagValidationQueue(s: Session, on: boolean): Promise<void> {
  await s.server.store.update(async (r) => {
    const flags = await readCounter(r, "MMflags");
    const want = on ? flags | ControlFlag.VALID : flags & ~ControlFlag.VALID;
    return { ops: want === flags ? [] : [counterOp("MMflags", want)] };
  });
}

/** Registration and validation: REGI, GREG, GNUR, VALI. */
export const registrationCommands: CommandTable = {
  REGI: {
    access: "user",
    async run(s) {
      const user = await s.refreshUser();
      const store = s.server.store;
      await s.reply(`${Code.SEND_LISTING} Send registration...`);
      const lines = (await s.readListing(100)).concat(Array(8).fill(""));
      const [name, street, city, state, zip, phone, email, country] = lines;
      const card: Card = { name, street, city, state, zip, phone, email, country };
      const old = await findCard(s, user);
      await saveCard(s, user, card);
      const room = await userConfigRoom(store, user);
      if (old) await deleteFromRoom(store, room.name, old.msgnum).catch(() => {});
      // A registered user who is not yet an Aide waits for validation.
      const needsValidation = user.axlevel < AxLevel.AIDE;
      await updateUser(store, user.fullname, (u) => ({
        ...u,
        flags: u.flags | UserFlag.REGIS | (needsValidation ? UserFlag.NEEDVALID : 0),
      }));
      if (needsValidation) await flagValidationQueue(s, true);
      await s.refreshUser();
    },
  },
  GREG: {
    access: "user",
    async run(s, args) {
      const self = s.requireUser();
      const store = s.server.store;
      const wanted = args[0] ?? "";
      const isSelf = wanted === "" || wanted.toUpperCase() === "_SELF_";
      if (!isSelf && self.axlevel < AxLevel.AIDE) {
        throw new CtdlError(Code.HIGHER_ACCESS_REQUIRED, "Higher access required.");
      }
      const user = isSelf ? await s.refreshUser() : await getUser(store, wanted);
      if (!user) throw new CtdlError(Code.NO_SUCH_USER, `'${wanted}' not found.`);
      const fqdn = await readConfig(store, "c_fqdn", "localhost");
      const blank = defaultCard(user, ownAddress(user, fqdn));
      const found = (await findCard(s, user))?.card;
      // Empty fields of a card show as 902 shows them: its placeholders.
      const card = found
        ? Object.fromEntries(
          Object.entries(found).map(([k, v]) => [k, v === "" ? blank[k as keyof Card] : v]),
        ) as unknown as Card
        : blank;
      // The password line: ctdlsync keeps only a hash, so none is shown (docs/interop.md).
      await s.listing(user.fullname, [
        String(user.usernum),
        "",
        card.name,
        card.street,
        card.city,
        card.state,
        card.zip,
        card.phone,
        String(user.axlevel),
        card.email,
        card.country,
      ]);
    },
  },
  GNUR: {
    access: "aide",
    async run(s) {
      const store = s.server.store;
      if (!((await readCounter(store, "MMflags")) & ControlFlag.VALID)) {
        await s.reply(`${Code.OK} There are no unvalidated users.`);
        return;
      }
      for await (const u of listUsers(store)) {
        if (u.flags & UserFlag.NEEDVALID && u.axlevel > AxLevel.DELETED) {
          await s.reply(`${Code.MORE_DATA} ${u.fullname}`);
          return;
        }
      }
      await flagValidationQueue(s, false);
      await s.reply(`${Code.OK} *** End of registration.`);
    },
  },
  VALI: {
    access: "aide",
    async run(s, args) {
      const name = args[0] ?? "";
      const ax = atol(args[1]);
      const validated = await updateUser(s.server.store, name, (u) => ({
        ...u,
        axlevel: ax >= AxLevel.DELETED && ax <= AxLevel.AIDE ? ax : u.axlevel,
        flags: u.flags & ~UserFlag.NEEDVALID,
      }));
      if (!validated) throw new CtdlError(Code.NO_SUCH_USER, `'${name}' not found.`);
      await aideNotice(
        s,
        "User Admin Message",
        `${validated.fullname} has been validated by ${s.requireUser().fullname} at level ${ax}.`,
      );
      await s.reply(`${Code.OK} User '${validated.fullname}' validated.`);
    },
  },
};
