// The field app's service worker: keeps the app's shell for when the connection is gone.
// The day list is never cached here (it may hold a day's addresses): the page keeps the signed-in user's own copy.
"use strict";
const CACHE = "ketenhub-veld-v2"; // v1 also cached the day list: activate deletes it
const SHELL = ["/veld/", "/static/site.css", "/static/field.css", "/static/field.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) {
      return cached;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) {
    return; // entries are posted by the page itself, which keeps them until they arrived
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(event.request));
  }
});
