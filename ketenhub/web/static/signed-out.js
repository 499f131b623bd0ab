// Shown with the sign-in page, so when nobody is signed in: the day list the field app kept on
// this phone (it may hold a day's addresses) and its cached shell leave the browser. Entries still
// waiting to be sent stay: they go out when the user who made them signs in again.
"use strict";
(() => {
  if (window.caches) {
    caches.keys().then((keys) => Promise.all(keys.filter((key) => key.startsWith("ketenhub-veld")).map((key) => caches.delete(key))));
  }
  if (!window.indexedDB) return;
  const request = indexedDB.open("ketenhub-veld", 1);
  request.onupgradeneeded = () => request.transaction.abort(); // nothing kept: create nothing
  request.onsuccess = () => {
    const db = request.result;
    if (db.objectStoreNames.contains("gegevens")) {
      const tx = db.transaction("gegevens", "readwrite");
      tx.objectStore("gegevens").clear();
      tx.oncomplete = () => db.close();
    } else {
      db.close();
    }
  };
  request.onerror = () => undefined;
})();
