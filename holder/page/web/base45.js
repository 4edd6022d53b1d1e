// Base45 (RFC 9285): encode, and a strict decode (the rules of SPEC §2).
export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

// encode returns the Base45 text of the bytes b (a Uint8Array).
export function encode(b) {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    let n = b[i] * 256 + b[i + 1];
    const c = n % 45; n = (n - c) / 45;
    const d = n % 45; const e = (n - d) / 45;
    s += ALPHABET[c] + ALPHABET[d] + ALPHABET[e];
  }
  if (b.length % 2 === 1) {
    const n = b[b.length - 1];
    s += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)];
  }
  return s;
}

// decode returns the bytes of the Base45 text s, or throws on a character
// outside the alphabet, a length of 1 modulo 3, or a group out of range.
export function decode(s) {
  if (s.length % 3 === 1) throw new Error('base45: bad length');
  const out = new Uint8Array(Math.floor(s.length / 3) * 2 + (s.length % 3 === 2 ? 1 : 0));
  const v = (i) => {
    const x = VALUE.get(s[i]);
    if (x === undefined) throw new Error('base45: bad character at ' + i);
    return x;
  };
  let o = 0;
  for (let i = 0; i < s.length; i += 3) {
    if (i + 2 < s.length) {
      const n = v(i) + v(i + 1) * 45 + v(i + 2) * 2025;
      if (n > 0xffff) throw new Error('base45: group out of range at ' + i);
      out[o++] = n >> 8; out[o++] = n & 0xff;
    } else {
      const n = v(i) + v(i + 1) * 45;
      if (n > 0xff) throw new Error('base45: group out of range at ' + i);
      out[o++] = n;
    }
  }
  return out;
}
