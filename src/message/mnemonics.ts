/**
 * Citadel's four-letter field names. On the wire (MSG0 headers, MSGS templates, our sync
 * records) fields are named by these mnemonics; on disk by their one-letter type.
 *
 * @module
 */

/** Wire mnemonic by field letter, as in Citadel's msgkeys table. */
export const MNEMONIC_BY_FIELD: Readonly<Record<string, string>> = Object.freeze({
  A: "from",
  E: "exti",
  F: "rfca",
  H: "hnod",
  I: "msgn",
  J: "jrnl",
  K: "rep2",
  L: "list",
  M: "text",
  N: "node",
  O: "room",
  P: "path",
  R: "rcpt",
  S: "spec",
  T: "time",
  U: "subj",
  V: "nvto",
  W: "wefw",
  Y: "cccc",
});

/** Field letter by wire mnemonic: the inverse of {@link MNEMONIC_BY_FIELD}. */
export const FIELD_BY_MNEMONIC: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(MNEMONIC_BY_FIELD).map(([field, m]) => [m, field])),
);

/**
 * The field letter for a wire mnemonic, or undefined for a name Citadel does not define.
 * Case-sensitive (Citadel writes them in lower case); inherited names like "constructor" are not
 * mnemonics.
 *
 * @example
 * ```ts
 * fieldForMnemonic("subj"); // "U"
 * ```
 */
export function fieldForMnemonic(mnemonic: string): string | undefined {
  return Object.hasOwn(FIELD_BY_MNEMONIC, mnemonic) ? FIELD_BY_MNEMONIC[mnemonic] : undefined;
}

/** The wire mnemonic for a field letter, or undefined for letters without one (B, C, D, 0, …). */
export function mnemonicForField(field: string): string | undefined {
  return Object.hasOwn(MNEMONIC_BY_FIELD, field) ? MNEMONIC_BY_FIELD[field] : undefined;
}
