// Presentations (SPEC §14): the pass and the time, signed by the holder's
// key, as "HF1P:" + Base45 of a COSE_Sign1 message.
import * as base45 from './base45.js';
import { encode, Tag } from './cbor.js';

// PERIOD_MS is how often the page signs a new presentation.
export const PERIOD_MS = 5000;

// PROTECTED is the presentation's protected header: {1: -7}, ES256, no kid.
export const PROTECTED = Uint8Array.of(0xa1, 0x01, 0x26);

// compressKey returns the compressed form (33 bytes: 0x02 or 0x03 by the
// parity of y, then x) of a raw P-256 public key (65 bytes: 0x04, x, y).
export function compressKey(raw) {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('present: not a raw P-256 public key');
  const out = new Uint8Array(33);
  out[0] = 2 | (raw[64] & 1);
  out.set(raw.subarray(1, 33), 1);
  return out;
}

// claims returns the presentation claims: {1: pass, 2: time[, 3: challenge]}.
export function claims(passCOSE, time, challenge) {
  const m = new Map([[1, passCOSE], [2, time]]);
  if (challenge) m.set(3, challenge);
  return encode(m);
}

// toBeSigned returns the Sig_structure of a COSE_Sign1 with the given
// protected header and payload, and no external data.
export function toBeSigned(protectedHeader, payload) {
  return encode(['Signature1', protectedHeader, new Uint8Array(0), payload]);
}

// sign1 returns the tagged COSE_Sign1 message.
export function sign1(protectedHeader, payload, signature) {
  return encode(new Tag(18, [protectedHeader, new Map(), payload, signature]));
}

// passMessage returns the COSE_Sign1 bytes of a pass's text "HF1:…".
export function passMessage(passText) {
  if (!passText.startsWith('HF1:')) throw new Error('present: not an HF1 pass');
  return base45.decode(passText.slice(4));
}

// presentation signs a presentation of the pass passText at time (seconds
// since 1970) with the holder's private key (a WebCrypto ECDSA P-256
// CryptoKey), and returns its text.
export async function presentation(passText, key, time, challenge) {
  if (!Number.isSafeInteger(time) || time < 1) throw new Error('present: bad time');
  const payload = claims(passMessage(passText), time, challenge);
  // WebCrypto hashes the data itself and returns r || s (64 bytes), the
  // form COSE uses.
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, toBeSigned(PROTECTED, payload)));
  return 'HF1P:' + base45.encode(sign1(PROTECTED, payload, sig));
}
