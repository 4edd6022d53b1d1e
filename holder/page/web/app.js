// hufu holder page. At enrolment it makes a P-256 key that cannot leave
// this browser, sends the public half to the server, and gets a pass bound
// to it; then it shows a presentation of that pass (SPEC §14), signed
// again every five seconds, so that a screenshot of it is soon stale. It
// keeps working offline, and fetches a new pass when online and the one it
// has is past 80% of its lifetime.
import * as store from './store.js';
import { compressKey, presentation, PERIOD_MS } from './present.js';
import { qrcode } from './qrcode.mjs';

const $ = (id) => document.getElementById(id);
// The link's path names its record in IndexedDB ('…/' and '…/index.html'
// are one page).
const path = location.pathname.replace(/index\.html$/, '');
const RENEW_AT = 0.8;            // fraction of the pass's lifetime
const RETRY_MS = 60 * 1000;      // between failed renewals
const QUIET = 4;                 // QR quiet zone, in modules

const T = {
  zh: {
    other: 'English',
    enrol_title: '领取通行码',
    enrol_text: '本机将生成一把只保存在本浏览器中的密钥，通行码与这把密钥绑定。二维码每 5 秒重新签名，截图无法冒用。请只在您本人的手机上领取。',
    enrol_button: '在本机领取',
    enrolling: '正在领取…',
    green: '绿码', yellow: '黄码', red: '红码',
    photo: '持码人照片',
    l_issuer: '签发方', l_valid: '有效期至', l_reason: '原因', l_hint: '提示',
    tick: (s) => `${s} 秒后刷新`,
    offline: '离线：显示已保存的通行码',
    renewed: (t) => `通行码已更新（${t}）`,
    expired: '通行码已过期：请联网以获取新码',
    not_yet: '本机时钟早于通行码的签发时间：请检查时钟',
    error: (d) => `出错了：${d}`,
    no_crypto: '此浏览器不支持所需的加密功能（WebCrypto、IndexedDB），无法领取通行码。',
    reasons: {
      key_region_arrival: '14 天内来自重点地区', close_contact: '确诊病例的密切接触者',
      secondary_contact: '密切接触者的密切接触者', medical_management: '正在接受医学管理',
      confirmed: '确诊病例', suspected: '疑似病例', fever_clinic: '曾到发热门诊就诊',
      test_overdue: '核酸检测逾期',
    },
    hints: {
      health_registration: '建议进行健康登记', test_suggested: '建议做核酸检测',
      appeal_pending: '已对赋码提出申诉',
    },
    unknown_reason: (n) => `原因代码 ${n}`,
    unknown_hint: (n) => `提示 ${n}`,
    errors: {
      not_enrolled: '本机已不是此通行码的登记设备：请重新领取。',
      already_enrolled: '此通行码已在另一台设备上领取。',
      no_pass: '目前没有可领取的通行码。',
      backend_error: '服务器暂时无法签发通行码，请稍后再试。',
      network: '无法连接服务器。',
    },
  },
  en: {
    other: '中文',
    enrol_title: 'Get your pass',
    enrol_text: 'This phone will make a key that stays in this browser, and your pass will be bound to it. The code is signed again every 5 seconds, so a screenshot of it cannot be used by someone else. Get the pass on your own phone only.',
    enrol_button: 'Get the pass on this phone',
    enrolling: 'Getting your pass…',
    green: 'GREEN', yellow: 'YELLOW', red: 'RED',
    photo: 'photo of the holder',
    l_issuer: 'issuer', l_valid: 'valid until', l_reason: 'reason', l_hint: 'hint',
    tick: (s) => `new code in ${s} s`,
    offline: 'offline: showing the saved pass',
    renewed: (t) => `pass renewed (${t})`,
    expired: 'the pass has expired: go online to get a new one',
    not_yet: 'this phone\'s clock is earlier than the pass\'s issue time: check the clock',
    error: (d) => `error: ${d}`,
    no_crypto: 'This browser lacks the cryptography the pass needs (WebCrypto, IndexedDB).',
    reasons: {
      key_region_arrival: 'arrived from a key region within 14 days', close_contact: 'close contact of a confirmed case',
      secondary_contact: 'contact of a close contact', medical_management: 'under medical management',
      confirmed: 'confirmed case', suspected: 'suspected case', fever_clinic: 'visited a fever clinic',
      test_overdue: 'no test result within the required interval',
    },
    hints: {
      health_registration: 'health registration suggested', test_suggested: 'a test is suggested',
      appeal_pending: 'you have appealed the colour',
    },
    unknown_reason: (n) => `reason code ${n}`,
    unknown_hint: (n) => `hint ${n}`,
    errors: {
      not_enrolled: 'This phone is no longer enrolled for this pass: enrol it again.',
      already_enrolled: 'This pass has been taken on another device.',
      no_pass: 'There is no pass for you at the moment.',
      backend_error: 'The server cannot issue the pass just now: try again later.',
      network: 'cannot reach the server.',
    },
  },
};

let lang = localStorage.getItem('hufu-lang') || (/^zh\b/i.test(navigator.language || '') ? 'zh' : 'en');
let L = T[lang];

// The state the page runs on.
let rec = null;          // {key, pub, pass, offset} from the store
let shown = '';          // the presentation on screen
let signedSlot = -1;     // the 5 s slot it was signed in
let signing = 0;         // sequence number of the newest signing
let renewing = false;
let lastTry = 0;         // when the last renewal was tried (Date.now)
let note = '';           // a passing message (renewed, an error)
let loop = 0;            // the running tick loop; a new one stops the old

class APIError extends Error {
  constructor(code, detail) { super(detail || code); this.code = code; }
}

// now is the page's clock: this device's, corrected by the server's clock
// as seen at the last answer (a phone's clock may be off by more than the
// station's 30-second window).
const now = () => Date.now() + (rec && rec.offset ? rec.offset : 0);

function b64url(b) {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function api(name, pub) {
  const t0 = Date.now();
  let res;
  try {
    res = await fetch(name, {
      method: 'POST', cache: 'no-store', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ holder_key: b64url(pub) }),
    });
  } catch (e) {
    throw new APIError('network', String(e));
  }
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    throw new APIError(body && body.error ? body.error : 'http_' + res.status, body && body.detail);
  }
  if (!body || typeof body.pass !== 'string' || !body.pass.startsWith('HF1:')) {
    throw new APIError('bad_answer', 'the server answered without a pass');
  }
  const t1 = Date.now();
  body.offset = typeof body.server_time_ms === 'number' ? body.server_time_ms - (t0 + t1) / 2 : 0;
  return body;
}

function setState(s) { document.body.dataset.state = s; }

function explain(e) {
  return Object.hasOwn(L.errors, e.code) ? L.errors[e.code] : L.error(e.message);
}

// ---- enrolment

async function enrol() {
  setState('enrolling');
  $('enrol').disabled = true;
  message(L.enrolling);
  try {
    if (!rec || !rec.key) {
      // Non-extractable: the private key can sign, and nothing can read it.
      const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
      rec = { key: kp.privateKey, pub: compressKey(raw), pass: null, offset: 0 };
      await store.save(path, rec); // keep the key even if the answer is lost
    }
    const p = await api('api/enrol', rec.pub);
    rec.pass = p;
    rec.offset = p.offset;
    await store.save(path, rec);
    message('');
    present();
  } catch (e) {
    setState('enrol');
    message(explain(e));
  } finally {
    $('enrol').disabled = false;
  }
}

// ---- presenting

// keepAwake asks the phone not to dim the screen while the code is shown
// (where the browser allows it; the page works without).
let wake = null;
async function keepAwake() {
  if (wake || !navigator.wakeLock || document.visibilityState !== 'visible') return;
  try {
    wake = await navigator.wakeLock.request('screen');
    wake.addEventListener('release', () => { wake = null; });
  } catch (e) { /* not allowed: fine */ }
}

function present() {
  setState('presenting');
  keepAwake();
  signedSlot = -1;
  shown = '';
  paintPass();
  tick(++loop);
}

async function renew() {
  if (renewing) return;
  renewing = true;
  lastTry = Date.now();
  try {
    const p = await api('api/pass', rec.pub);
    const changed = p.pass !== rec.pass.pass;
    rec.pass = p;
    rec.offset = p.offset;
    await store.save(path, rec);
    if (changed) {
      signedSlot = -1; // sign the new pass now
      paintPass();
      note = L.renewed(new Date(now()).toLocaleTimeString(tag()));
    }
  } catch (e) {
    if (e.code === 'not_enrolled' || e.code === 'already_enrolled') {
      rec.pass = null;
      await store.save(path, rec);
      setState('enrol');
      message(explain(e));
    } else if (e.code !== 'network') {
      note = explain(e);
    }
  } finally {
    renewing = false;
  }
}

function tick(id) {
  if (id !== loop) return;
  if (document.body.dataset.state !== 'presenting' && document.body.dataset.state !== 'expired') return;
  const t = now();
  const p = rec.pass;
  const secs = Math.floor(t / 1000);
  if (navigator.onLine && !renewing && Date.now() - lastTry > RETRY_MS &&
      secs >= p.issued_at + RENEW_AT * (p.expires_at - p.issued_at)) {
    renew();
  }
  if (secs >= p.expires_at) {
    setState('expired');
    shown = '';
    message(L.expired);
  } else {
    if (document.body.dataset.state === 'expired') setState('presenting');
    const slot = Math.floor(t / PERIOD_MS);
    if (slot !== signedSlot) {
      signedSlot = slot;
      sign(secs);
    }
    paintCountdown(t);
    message(secs < p.issued_at - 300 ? L.not_yet : (navigator.onLine ? note : L.offline));
  }
  setTimeout(() => tick(id), 250 - (Date.now() % 250) + 5);
}

function paintCountdown(t) {
  const left = PERIOD_MS - (t % PERIOD_MS);
  $('bar').style.width = (100 * left / PERIOD_MS).toFixed(1) + '%';
  $('tick').textContent = L.tick(Math.ceil(left / 1000));
}

async function sign(secs) {
  const n = ++signing;
  try {
    const text = await presentation(rec.pass.pass, rec.key, secs);
    if (n !== signing) return; // a newer one is on its way
    shown = text;
    drawQR(text);
  } catch (e) {
    message(L.error(e.message));
  }
}

// drawQR draws text as a QR code (alphanumeric mode, level M) with whole
// device pixels per module and a four-module quiet zone.
function drawQR(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Alphanumeric');
  qr.make();
  const n = qr.getModuleCount();
  const total = n + 2 * QUIET;
  const dpr = window.devicePixelRatio || 1;
  const box = $('code-box');
  const css = Math.min(box.clientWidth, 560, Math.max(240, window.innerHeight * 0.62));
  const m = Math.max(1, Math.floor(css * dpr / total));
  const canvas = $('qr');
  canvas.width = canvas.height = m * total;
  canvas.style.width = canvas.style.height = (m * total / dpr) + 'px';
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) ctx.fillRect((c + QUIET) * m, (r + QUIET) * m, m, m);
    }
  }
  canvas.dataset.modules = String(n);
}

// ---- text

function tag() { return lang === 'zh' ? 'zh-CN' : 'en-GB'; }

function message(s) { $('message').textContent = s || ''; }

function paintPass() {
  const p = rec.pass;
  document.body.dataset.colour = p.colour;
  const other = T[lang === 'zh' ? 'en' : 'zh'];
  $('colour-word').textContent = L[p.colour] || p.colour;
  $('colour-other').textContent = other[p.colour] || '';
  const rows = $('rows');
  rows.replaceChildren();
  const row = (k, v) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    rows.append(dt, dd);
  };
  row(L.l_issuer, p.issuer);
  row(L.l_valid, new Date(p.expires_at * 1000).toLocaleString(tag(), { dateStyle: 'medium', timeStyle: 'short' }));
  if (p.reason) {
    const m = /^reason_(\d+)$/.exec(p.reason);
    row(L.l_reason, L.reasons[p.reason] || (m ? L.unknown_reason(m[1]) : p.reason));
  }
  for (const h of p.hints || []) {
    const m = /^hint_(\d+)$/.exec(h);
    row(L.l_hint, L.hints[h] || (m ? L.unknown_hint(m[1]) : h));
  }
  const img = $('photo');
  if (p.photo && p.photo.startsWith('data:image/')) {
    img.src = p.photo;
    img.hidden = false;
  } else {
    img.removeAttribute('src');
    img.hidden = true;
  }
}

function paintText() {
  L = T[lang];
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = L[el.dataset.t];
  $('lang').textContent = L.other;
  $('lang').lang = lang === 'zh' ? 'en' : 'zh';
  document.title = lang === 'zh' ? '虎符 通行码' : 'hufu pass';
  $('qr').setAttribute('aria-label', lang === 'zh' ? '通行码二维码' : 'pass QR code');
  $('photo').alt = L.photo;
  if (rec && rec.pass) {
    paintPass();
    paintCountdown(now());
  }
}

// ---- start

async function start() {
  paintText();
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('hufu-lang', lang);
    note = '';
    paintText();
  });
  $('enrol').addEventListener('click', enrol);
  window.addEventListener('resize', () => { if (shown) drawQR(shown); });
  document.addEventListener('visibilitychange', () => {
    if (document.body.dataset.state === 'presenting') keepAwake();
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => { /* online only, then */ });
  }
  if (!window.crypto || !crypto.subtle || !window.indexedDB) {
    setState('unsupported');
    message(L.no_crypto);
    return;
  }
  try {
    rec = await store.load(path) || null;
  } catch (e) {
    message(L.error(e.message));
  }
  if (rec && rec.key && rec.pass) {
    present();
  } else {
    setState('enrol');
  }
}

start();
