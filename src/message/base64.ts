/**
 * Base64 as Citadel writes it into a MIGR export's `<msg_text>`.
 *
 * @module
 */

import { MessageFormatError } from "./message.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const PAD = 0x3d;

const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  ENCODE[i] = ALPHABET.charCodeAt(i);
  DECODE[ENCODE[i]] = i;
}

/** Input bytes per line in libcitadel's encoder (68 base64 characters). */
const BYTES_PER_LINE = 51;

function describeChar(code: number): string {
  const hex = "0x" + code.toString(16).toUpperCase().padStart(2, "0");
  return code > 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}' (${hex})` : hex;
}

/**
 * Decodes base64 that may be broken into lines anywhere.
 *
 * CR, LF and spaces are dropped first, because Citadel breaks lines inside a 4-character group
 * (a line-by-line decoder fails on real exports). Anything else outside the alphabet, padding
 * anywhere but the end, or a length that is not a whole number of groups is a
 * {@link MessageFormatError} naming the offset in `text`.
 *
 * @example
 * ```ts
 * decodeBase64Lenient("aG\r\nk="); // Uint8Array [0x68, 0x69]
 * decodeBase64Lenient("aGk"); // throws MessageFormatError: 3 characters, not whole groups
 * ```
 */
export function decodeBase64Lenient(text: string): Uint8Array {
  const sextets = new Uint8Array(text.length);
  let count = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === CR || code === LF || code === SPACE) continue;
    if (code === PAD) {
      padding++;
      continue;
    }
    const value = code < 128 ? DECODE[code] : -1;
    if (value < 0) {
      throw new MessageFormatError(`invalid base64 character ${describeChar(code)} at offset ${i}`);
    }
    if (padding > 0) {
      throw new MessageFormatError(`base64 data continues after '=' padding at offset ${i}`);
    }
    sextets[count++] = value;
  }
  const total = count + padding;
  if (total % 4 !== 0) {
    throw new MessageFormatError(
      `base64 has ${total} characters besides line breaks, not a multiple of 4`,
    );
  }
  if (padding > 2 || (padding > 0 && (count % 4) + padding !== 4)) {
    throw new MessageFormatError(
      `base64 ends with ${padding} '=' where ${(4 - count % 4) % 4} fit`,
    );
  }
  const out = new Uint8Array(Math.floor(count * 3 / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const n = (sextets[i] << 18) | (sextets[i + 1] << 12) | (sextets[i + 2] << 6) | sextets[i + 3];
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = count - i;
  if (rest >= 2) {
    const n = (sextets[i] << 18) | (sextets[i + 1] << 12) | (rest === 3 ? sextets[i + 2] << 6 : 0);
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}

/**
 * Encodes bytes exactly as libcitadel 902's `CtdlEncodeBase64(..., linebreaks=1)` does, so a
 * MIGR export we write is byte-identical to a real one.
 *
 * That encoder streams 51-byte chunks and writes CRLF after each, including the last, short
 * one; only then does it flush the pending partial group. So every line but the last is 68
 * characters, a trailing group is split across the final CRLF (`…Cg\r\nA=`), and the text ends
 * with CRLF exactly when the input length is a multiple of 3. Empty input gives "".
 *
 * @example
 * ```ts
 * encodeCitadelBase64(new TextEncoder().encode("hi\n")); // "aGkK\r\n"
 * encodeCitadelBase64(new TextEncoder().encode("hi")); // "aG\r\nk="
 * ```
 */
export function encodeCitadelBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n === 0) return "";
  const leftover = n % 3;
  const lines = Math.ceil(n / BYTES_PER_LINE);
  const out = new Uint8Array(Math.ceil(n / 3) * 4 + lines * 2);
  let o = 0;
  let i = 0;
  const whole = n - leftover;
  while (i < whole) {
    const n24 = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ENCODE[n24 >> 18];
    out[o++] = ENCODE[(n24 >> 12) & 63];
    out[o++] = ENCODE[(n24 >> 6) & 63];
    out[o++] = ENCODE[n24 & 63];
    i += 3;
    if (i % BYTES_PER_LINE === 0) {
      out[o++] = CR;
      out[o++] = LF;
    }
  }
  if (leftover > 0) {
    const n24 = (bytes[i] << 16) | (leftover === 2 ? bytes[i + 1] << 8 : 0);
    // The characters fully determined by the leftover bytes go before the last CRLF ...
    out[o++] = ENCODE[n24 >> 18];
    if (leftover === 2) out[o++] = ENCODE[(n24 >> 12) & 63];
    out[o++] = CR;
    out[o++] = LF;
    // ... and the flush writes the character holding the remaining bits, then the padding.
    if (leftover === 2) {
      out[o++] = ENCODE[(n24 >> 6) & 63];
    } else {
      out[o++] = ENCODE[(n24 >> 12) & 63];
      out[o++] = PAD;
    }
    out[o++] = PAD;
  } else if (n % BYTES_PER_LINE !== 0) {
    out[o++] = CR;
    out[o++] = LF;
  }
  return new TextDecoder().decode(out.subarray(0, o));
}
