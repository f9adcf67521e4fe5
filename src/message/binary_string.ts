/**
 * Binary strings: one character per byte (U+0000..U+00FF), the way Citadel's C code sees a
 * message. Rendering works on them so that lengths count bytes (Content-length, MIME part
 * sizes) and dirty input (Latin-1, double-encoded UTF-8, invalid sequences) reaches the
 * client byte for byte instead of being "repaired" by a UTF-8 decoder.
 *
 * @module
 */

const CHUNK = 0x8000;

/**
 * The bytes as a binary string.
 *
 * @example
 * ```ts
 * toBinaryString(new Uint8Array([0x43, 0xc3, 0xa9])); // "C\u00c3\u00a9"
 * ```
 */
export function toBinaryString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return out;
}

/** The bytes of a binary string; characters above U+00FF are a programming error. */
export function fromBinaryString(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`character U+${code.toString(16)} is not a byte`);
    out[i] = code;
  }
  return out;
}

/** Text (a JavaScript string) as the binary string of its UTF-8 bytes. */
export function utf8ToBinary(text: string): string {
  return toBinaryString(new TextEncoder().encode(text));
}

/** A binary string decoded as UTF-8 (invalid sequences become U+FFFD). */
export function binaryToUtf8(text: string): string {
  return new TextDecoder().decode(fromBinaryString(text));
}
