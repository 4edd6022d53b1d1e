// A deterministic CBOR encoder (RFC 8949 §4.2.1): shortest heads,
// definite lengths, map keys in bytewise order of their encodings. It
// writes integers (Number within ±2^53, or BigInt within 64 bits), byte
// strings (Uint8Array), text (String), arrays, maps (Map), true, false,
// null, tags (Tag) and already-encoded items (Raw). It refuses anything
// else: floats, undefined, duplicate map keys.

export class Tag {
  constructor(tag, value) { this.tag = tag; this.value = value; }
}

// Raw is an item already in CBOR, written as it is.
export class Raw {
  constructor(bytes) { this.bytes = bytes; }
}

const utf8 = new TextEncoder();

// head returns the head of an item of major type major with argument n
// (a Number or a BigInt, 0 ≤ n < 2^64).
export function head(major, n) {
  const m = major << 5;
  if (typeof n === 'number') {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error('cbor: bad argument ' + n);
    if (n < 24) return Uint8Array.of(m | n);
    if (n < 0x100) return Uint8Array.of(m | 24, n);
    if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
    if (n < 0x100000000) return Uint8Array.of(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    n = BigInt(n);
  }
  if (typeof n !== 'bigint' || n < 0n || n >= 1n << 64n) throw new Error('cbor: bad argument ' + n);
  if (n < 0x100000000n) return head(major, Number(n));
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, n);
  return out;
}

function concat(parts) {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function enc(v, parts, depth) {
  if (depth > 16) throw new Error('cbor: nested too deeply');
  switch (typeof v) {
    case 'number':
      if (!Number.isSafeInteger(v)) throw new Error('cbor: not an integer: ' + v);
      parts.push(v >= 0 ? head(0, v) : head(1, -1 - v));
      return;
    case 'bigint':
      parts.push(v >= 0n ? head(0, v) : head(1, -1n - v));
      return;
    case 'string': {
      const b = utf8.encode(v);
      parts.push(head(3, b.length), b);
      return;
    }
    case 'boolean':
      parts.push(Uint8Array.of(v ? 0xf5 : 0xf4));
      return;
  }
  if (v === null) { parts.push(Uint8Array.of(0xf6)); return; }
  if (v instanceof Uint8Array) { parts.push(head(2, v.length), v); return; }
  if (v instanceof Raw) { parts.push(v.bytes); return; }
  if (v instanceof Tag) { parts.push(head(6, v.tag)); enc(v.value, parts, depth + 1); return; }
  if (Array.isArray(v)) {
    parts.push(head(4, v.length));
    for (const x of v) enc(x, parts, depth + 1);
    return;
  }
  if (v instanceof Map) {
    const pairs = [...v].map(([k, x]) => [encode(k, depth + 1), x]);
    pairs.sort((a, b) => compare(a[0], b[0]));
    for (let i = 1; i < pairs.length; i++) {
      if (compare(pairs[i - 1][0], pairs[i][0]) === 0) throw new Error('cbor: duplicate map key');
    }
    parts.push(head(5, pairs.length));
    for (const [k, x] of pairs) { parts.push(k); enc(x, parts, depth + 1); }
    return;
  }
  throw new Error('cbor: cannot encode ' + Object.prototype.toString.call(v));
}

// encode returns the deterministic encoding of v as a Uint8Array.
export function encode(v, depth = 0) {
  const parts = [];
  enc(v, parts, depth);
  return concat(parts);
}
