import { readConfig } from "../store/control.ts";
import type { Store } from "../store/store.ts";
import type { User } from "../store/tables.ts";

/** The user's own Internet address: the first of their addresses, else `Full_Name@fqdn`. */
export function ownAddress(user: User, fqdn: string): string {
  const first = user.emailaddrs.split("|").map((a) => a.trim()).find((a) => a !== "");
  return first ?? `${user.fullname.replace(/ /g, "_")}@${fqdn}`;
}

/** Every address that is the user's: the stored ones, else the one made from the name. */
export function validAddresses(user: User, fqdn: string): string[] {
  const stored = user.emailaddrs.split("|").map((a) => a.trim()).filter((a) => a !== "");
  return stored.length > 0 ? stored : [ownAddress(user, fqdn)];
}

/** The user's own address with the site's c_fqdn. */
export async function userAddress(store: Store, user: User): Promise<string> {
  return ownAddress(user, await readConfig(store, "c_fqdn", "localhost"));
}
