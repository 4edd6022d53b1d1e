// hufu guard station: the camera page. It grabs frames from the camera
// about ten times a second, sends each as grey bytes to the station on
// this machine, and shows the verdict it answers with. Everything is
// served by the station itself; nothing comes from the network.
'use strict';
(() => {
  const token = location.pathname.split('/')[2];
  const $ = (id) => document.getElementById(id);
  const T = {
    en: {
      scanning: 'SCAN A CODE', hold: 'hold the code still', name: 'Name on ID card',
      camera: 'starting the camera…', noCamera: 'camera not available: ',
      sound: 'click to turn on sound', soundOn: 'sound on', latency: 'frame → verdict',
      error: 'station not answering: ',
    },
    zh: {
      scanning: '请扫码', hold: '请将二维码对准并保持不动', name: '身份证姓名',
      camera: '正在打开摄像头…', noCamera: '无法使用摄像头：',
      sound: '点击开启提示音', soundOn: '提示音已开', latency: '识别耗时',
      error: '查验站无响应：',
    },
  };
  let L = T.en;
  const video = $('video');
  const canvas = $('canvas');
  const nameInput = $('name');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // What the test and the status line read: the latency of each new
  // verdict, from grabbing the frame to the verdict painted on screen.
  const stats = { frames: 0, verdicts: 0, latencies: [] };
  window.hufuStats = stats;
  let lastFound = 0;
  // The name box belongs to one pass: the one on screen when the guard
  // typed, or the next one if none was. A new pass clears it.
  let shownPass = '';
  let nameFor = '';
  nameInput.addEventListener('input', () => { nameFor = shownPass; });
  function newPass(pid) {
    if (pid === shownPass) return;
    if (nameInput.value && nameFor && nameFor !== pid) {
      nameInput.value = '';
      nameFor = '';
    } else if (nameInput.value && !nameFor) {
      nameFor = pid;
    }
    shownPass = pid;
  }

  async function api(path, opts = {}) {
    opts.headers = Object.assign({ 'X-Hufu-Token': token }, opts.headers || {});
    opts.cache = 'no-store';
    const res = await fetch(path, opts);
    if (!res.ok) throw new Error(res.status + ' ' + (await res.text()).trim());
    return res.json();
  }

  function status(text) { $('status').textContent = text; }

  function idle() {
    document.body.dataset.state = 'idle';
    $('symbol').textContent = '';
    $('word').textContent = L.scanning;
    $('word-en').textContent = L === T.zh ? T.en.scanning : '';
    $('sub').textContent = '';
    $('alert').hidden = true;
    $('rows').replaceChildren();
    $('photo').hidden = true;
  }

  function render(resp) {
    const d = resp.display;
    document.body.dataset.state = d.state;
    document.body.dataset.stale = '0';
    document.body.dataset.seq = String((resp.verdict.scan && resp.verdict.scan.log_seq) || '');
    $('symbol').textContent = d.symbol;
    $('word').textContent = d.word;
    $('word-en').textContent = d.word_en || '';
    $('sub').textContent = d.sub;
    $('alert').hidden = !d.alert;
    $('alert').textContent = d.alert ? '⚠ ' + d.alert : '';
    const rows = [];
    for (const [label, text] of d.rows || []) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = text;
      rows.push(dt, dd);
    }
    $('rows').replaceChildren(...rows);
    const photo = $('photo');
    if (d.photo) {
      if (photo.getAttribute('src') !== d.photo) photo.src = d.photo;
      photo.hidden = false;
    } else {
      photo.hidden = true;
      photo.removeAttribute('src');
    }
    if (!resp.repeat && d.bell) alarm();
  }

  // Sound: browsers allow it after the first click or key press.
  let audio = null;
  function enableSound() {
    try {
      if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      $('sound').textContent = L.soundOn;
    } catch (e) { /* no sound on this browser */ }
  }
  document.addEventListener('click', enableSound);
  document.addEventListener('keydown', enableSound);
  function alarm() {
    if (!audio || audio.state !== 'running') return;
    const t = audio.currentTime;
    for (let k = 0; k < 3; k++) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.type = 'square';
      o.frequency.value = k % 2 ? 330 : 440;
      g.gain.setValueAtTime(0.25, t + k * 0.22);
      g.gain.setValueAtTime(0, t + k * 0.22 + 0.16);
      o.connect(g).connect(audio.destination);
      o.start(t + k * 0.22);
      o.stop(t + k * 0.22 + 0.17);
    }
  }

  async function loop() {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    for (;;) {
      const t0 = performance.now();
      if (video.readyState >= 2 && video.videoWidth > 0) {
        let w = video.videoWidth;
        let h = video.videoHeight;
        if (w > 1280) { h = Math.round(h * 1280 / w); w = 1280; }
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
        ctx.drawImage(video, 0, 0, w, h);
        const px = ctx.getImageData(0, 0, w, h).data;
        const grey = new Uint8Array(w * h);
        for (let i = 0, j = 0; j < grey.length; i += 4, j++) {
          grey[j] = (19595 * px[i] + 38470 * px[i + 1] + 7471 * px[i + 2] + 32768) >>> 16;
        }
        try {
          const resp = await api(`api/frame?w=${w}&h=${h}`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-hufu-grey',
              'X-Hufu-Name': encodeURIComponent(nameInput.value.trim()),
              'X-Hufu-Name-For': nameFor,
            },
            body: grey,
          });
          stats.frames++;
          if (resp.found) {
            lastFound = performance.now();
            if (!resp.repeat) newPass(resp.verdict.pass_id || '');
            render(resp);
            if (!resp.repeat) {
              await new Promise((r) => requestAnimationFrame(() => r()));
              const ms = performance.now() - t0;
              stats.verdicts++;
              stats.latencies.push(ms);
              document.body.dataset.latency = ms.toFixed(1);
              status(`${L.latency} ${ms.toFixed(0)} ms`);
            }
          } else if (resp.seen) {
            status(L.hold);
          }
          if (lastFound && performance.now() - lastFound > 10000) document.body.dataset.stale = '1';
        } catch (e) {
          status(L.error + e.message);
          await sleep(1000);
        }
      }
      await sleep(Math.max(0, 100 - (performance.now() - t0)));
    }
  }

  async function start() {
    try {
      const cfg = await api('api/config');
      L = T[cfg.lang] || T.en;
      document.documentElement.lang = cfg.lang;
      $('site').textContent = cfg.site + ' · ' + cfg.guard;
    } catch (e) {
      status(L.error + e.message);
    }
    $('name-label').textContent = L.name;
    $('sound').textContent = L.sound;
    idle();
    status(L.camera);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'environment' },
        audio: false,
      });
      video.srcObject = stream;
      await video.play();
    } catch (e) {
      document.body.dataset.camera = 'error';
      status(L.noCamera + e.message);
      return;
    }
    document.body.dataset.camera = 'on';
    status('');
    loop();
  }
  start();
})();
