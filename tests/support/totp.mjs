// An independent TOTP (RFC 6238) in JavaScript with node:crypto, so end-to-end tests do not
// check the service's codes with the service's own code.
import { createHmac } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Decode(text) {
  let bits = 0, value = 0;
  const out = [];
  for (const char of text.replace(/[=\s]/g, "").toUpperCase()) {
    value = (value << 5) | ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code of `secret` (base32) at time step `step`. */
export function codeAtStep(secret, step, { digits = 6, algorithm = "sha1" } = {}) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac(algorithm, base32Decode(secret)).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  const binary = hash.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

export const currentStep = (period = 30) => Math.floor(Date.now() / 1000 / period);
