// An independent presenter, written from SPEC.md §14 alone, for
// TestWebCryptoPresentation: it makes a non-extractable P-256 key with
// WebCrypto (as the holder's browser does), has "hufu issue -holder" bind a
// pass to it, and writes a presentation of that pass signed at
// 2026-06-01T08:00:00Z to p.txt, in the current directory.
//
// Usage: node present.mjs HUFU   (with an issuer key "k" in the directory)
import { execFileSync } from 'child_process';
import fs from 'fs';
const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
function b45dec(s) { const out = []; for (let i = 0; i < s.length; i += 3) { const c = s.slice(i, i+3).split('').map(ch => { const v = A.indexOf(ch); if (v < 0) throw 'b45'; return v; });
  const n = c[0] + c[1]*45 + (c.length === 3 ? c[2]*2025 : 0); if (c.length === 3) out.push(n >> 8, n & 255); else out.push(n); } return Buffer.from(out); }
function b45enc(b) { let s = ''; for (let i = 0; i < b.length; i += 2) { if (i+1 < b.length) { let n = b[i]*256 + b[i+1]; s += A[n%45] + A[Math.floor(n/45)%45] + A[Math.floor(n/2025)]; } else { const n = b[i]; s += A[n%45] + A[Math.floor(n/45)]; } } return s; }
function bstr(b) { if (b.length <= 23) return Buffer.concat([Buffer.from([0x40 + b.length]), b]); if (b.length <= 255) return Buffer.concat([Buffer.from([0x58, b.length]), b]); return Buffer.concat([Buffer.from([0x59, b.length >> 8, b.length & 255]), b]); }
function uint(v) { if (v <= 23) return Buffer.from([v]); const b = Buffer.alloc(5); b[0] = 0x1a; b.writeUInt32BE(v, 1); return b; }
const kp = await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify']);
const spki = Buffer.from(await crypto.subtle.exportKey('spki', kp.publicKey));
fs.writeFileSync('holder.pub', '-----BEGIN PUBLIC KEY-----\n' + spki.toString('base64') + '\n-----END PUBLIC KEY-----\n');
const at = '2026-06-01T08:00:00Z', t = Date.parse(at) / 1000;
execFileSync(process.argv[2], ['issue', '-key', 'k', '-iss', '310000', '-name', '张三', '-colour', 'green', '-holder', 'holder.pub', '-at', '2026-06-01T07:00:00Z', '-o', 'pass.txt']);
const passMsg = b45dec(fs.readFileSync('pass.txt', 'utf8').trim().slice(4));
const payload = Buffer.concat([Buffer.from([0xa2, 0x01]), bstr(passMsg), Buffer.from([0x02]), uint(t)]);
const prot = Buffer.from('a10126', 'hex');
const tbs = Buffer.concat([Buffer.from([0x84, 0x6a]), Buffer.from('Signature1'), bstr(prot), Buffer.from([0x40]), bstr(payload)]);
const sig = Buffer.from(await crypto.subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, kp.privateKey, tbs));
const msg = Buffer.concat([Buffer.from([0xd2, 0x84]), bstr(prot), Buffer.from([0xa0]), bstr(payload), bstr(sig)]);
const text = 'HF1P:' + b45enc(msg);
fs.writeFileSync('p.txt', text + '\n');
console.log(text);
