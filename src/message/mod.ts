/**
 * Citadel's message format: the serialized message, its field names, the base64 of MIGR
 * exports and the EUID rule. Pure functions, no I/O.
 *
 * @module
 */

export {
  ANON_TYPES,
  type CitadelMessage,
  FIELD_ORDER,
  fieldBytes,
  fieldText,
  MESSAGE_FORMATS,
  MESSAGE_MAGIC,
  type MessageField,
  MessageFormatError,
  newMessage,
  type NewMessageOptions,
  parseMessage,
  removeField,
  serializeMessage,
  setField,
} from "./message.ts";
export {
  FIELD_BY_MNEMONIC,
  fieldForMnemonic,
  MNEMONIC_BY_FIELD,
  mnemonicForField,
} from "./mnemonics.ts";
export { decodeBase64Lenient, encodeCitadelBase64 } from "./base64.ts";
export { type EuidDecision, euidDecision, messageEuid, messageTime } from "./euid.ts";
