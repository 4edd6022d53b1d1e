// The page's memory, in IndexedDB: one record per holder link (the page's
// path), holding the holder's private key as a non-extractable CryptoKey
// (structured clone keeps it so: the page can sign with it, nobody can
// read it out), its public key, and the last pass the server gave.
const DB = 'hufu-holder';
const STORE = 'links';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function run(mode, f) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = f(tx.objectStore(STORE));
    tx.oncomplete = () => { db.close(); resolve(req.result); };
    tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
  }));
}

// load returns the record of the link at path, or undefined.
export function load(path) { return run('readonly', (s) => s.get(path)); }

// save stores rec as the record of the link at path.
export function save(path, rec) { return run('readwrite', (s) => s.put(rec, path)); }

// forget deletes the record of the link at path.
export function forget(path) { return run('readwrite', (s) => s.delete(path)); }
