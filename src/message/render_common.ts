/**
 * What the MSG0/MSG2/MSG4 renderers share: the header modes, the options, and field access
 * as binary strings.
 *
 * @module
 */

import { toBinaryString } from "./binary_string.ts";
import { type CitadelMessage, fieldBytes } from "./message.ts";

/** MSG0/MSG2's second argument: which parts of the message to send. */
export const HeaderMode = {
  /** Headers and text. */
  ALL: 0,
  /** Headers and the MIME part list, no text. */
  ONLY: 1,
  /** The text without headers. */
  NONE: 2,
  /** Headers only, without the part list. */
  FAST: 3,
} as const;

/** How to render. */
export interface RenderOptions {
  /** One of {@link HeaderMode}; default ALL. */
  headers?: number;
  /** The reader is the room's aide or an Aide: anonymous authors are shown in brackets. */
  roomAide?: boolean;
  /** MSG4: MIME types the client prefers (MSGP), first listed wins. */
  preferred?: readonly string[];
  /** MSG4: send base64/quoted-printable parts still encoded (MSGP dont_decode). */
  dontDecode?: boolean;
}

/** What MSG2 needs besides the message: the site's names (c_nodename, c_fqdn). */
export interface Rfc822Options extends RenderOptions {
  nodename: string;
  fqdn: string;
}

/** The bytes of field `type` as a binary string, or undefined. */
export function field(msg: CitadelMessage, type: string): string | undefined {
  const bytes = fieldBytes(msg, type);
  return bytes === undefined ? undefined : toBinaryString(bytes);
}

/** The message text; Citadel substitutes this for a message without one. */
export function messageText(msg: CitadelMessage): string {
  const text = field(msg, "M");
  return text ? text : "\r\n\r\n (no text)\r\n";
}
