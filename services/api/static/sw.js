// The desk's service worker, served at /sw.js (services/api/desk/offline.py) so that its scope covers every
// /t/{slug}/balie (docs/offline.md). It keeps the desk's shell: the static files, and the desk page of the user
// who is signed in on this device (one copy per library and IDO location), so that a reload while the network or
// the server is down still shows the desk. Every request goes to the network first; the copies only answer when
// it fails. Nothing else is kept: no other page, no form's answer, no API. Any visit to the login page or a logout
// forgets the kept pages, so one user's desk is never shown to the next.
"use strict";

var VERSION = "1";
var STATIC = "ido-static-v" + VERSION;
var PAGES = "ido-pages-v" + VERSION;
var SHELL = [
  "/static/app.css",
  "/static/htmx.min.js",
  "/static/desk-keys.js",
  "/static/desk-offline.js",
  "/static/icons/icon-192.png"
];
var DESK = /^\/t\/[^/]+\/balie$/;
var SIGN_IN = ["/login", "/logout", "/logout-everywhere"];
var CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

var fromCache = new Map(); // the page (client id) shown from a kept copy → when the copy was kept
var keeping = new Map(); // the page (client id) whose copy is being stored → that promise

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("ido-") === 0 && n !== STATIC && n !== PAGES;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// a desk page is kept under its path and IDO location; only the plain page (no message, step or visit in it)
function keyOf(url) {
  var location = url.searchParams.get("locatie");
  return url.origin + url.pathname + (location ? "?locatie=" + encodeURIComponent(location) : "");
}

function plain(url) {
  var ok = true;
  url.searchParams.forEach(function (_, k) { if (k !== "locatie") ok = false; });
  return ok;
}

function kept(url) {
  return caches.open(PAGES).then(function (c) {
    return c.match(keyOf(url)).then(function (hit) {
      return hit || (url.searchParams.has("locatie") ? undefined : c.match(url.origin + url.pathname, { ignoreSearch: true }));
    });
  });
}

// store a desk page the network answered (200, ours, not redirected to the login page)
function keep(url, response) {
  if (!response.ok || response.type !== "basic" || response.redirected || !DESK.test(url.pathname)) {
    return Promise.resolve(false);
  }
  var headers = new Headers(response.headers);
  headers.set("x-ido-kept-at", String(Date.now()));
  return response.blob().then(function (body) {
    var copy = new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
    return caches.open(PAGES).then(function (c) { return c.put(keyOf(url), copy); });
  }).then(function () { return true; });
}

function forget() {
  return caches.delete(PAGES);
}

function unavailable() {
  var html = '<!doctype html><html lang="nl"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Geen verbinding – IDO-registratie</title><link rel="stylesheet" href="/static/app.css"></head>' +
    '<body><main id="inhoud"><h1>Geen verbinding</h1><p>De server antwoordt niet, en deze pagina is niet op dit ' +
    'apparaat bewaard. Probeer het over een ogenblik opnieuw.</p></main></body></html>';
  return new Response(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP, "cache-control": "no-store" }
  });
}

function desk(event, url) {
  var id = event.resultingClientId;
  var fallback = function (answer) {
    return kept(url).then(function (hit) {
      if (!hit) return answer || unavailable();
      fromCache.set(id, Number(hit.headers.get("x-ido-kept-at")) || true);
      return hit;
    });
  };
  return fetch(event.request).then(function (response) {
    if (response.status >= 500) return fallback(response);
    if (plain(url) && response.ok) {
      var storing = keep(url, response.clone());
      keeping.set(id, storing);
      event.waitUntil(storing);
    }
    return response;
  }, function () { return fallback(null); });
}

function asset(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(STATIC).then(function (c) { return c.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.match(request, { cacheName: STATIC }).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (SIGN_IN.indexOf(url.pathname) >= 0) {
      event.waitUntil(forget());
    } else if (request.method === "GET" && DESK.test(url.pathname)) {
      event.respondWith(desk(event, url));
    }
    return;
  }
  if (request.method === "GET" && (SHELL.indexOf(url.pathname) >= 0 || url.pathname.indexOf("/static/icons/") === 0)) {
    event.respondWith(asset(request));
  }
});

// the desk page asks, once loaded, whether it came from a kept copy, and has itself kept when it did not yet
function hello(id, href) {
  var url = new URL(href, self.location.origin);
  var shown = fromCache.get(id), storing = keeping.get(id);
  fromCache.delete(id);
  keeping.delete(id);
  if (shown) return Promise.resolve({ fromCache: shown, kept: true });
  return Promise.resolve(storing).then(function () { return kept(url); }).then(function (hit) {
    if (hit || !DESK.test(url.pathname)) return { kept: !!hit };
    var plainUrl = new URL(keyOf(url));
    return fetch(plainUrl.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      return keep(plainUrl, response);
    }).then(function (ok) { return { kept: ok }; }, function () { return { kept: false }; });
  });
}

self.addEventListener("message", function (event) {
  var message = event.data || {};
  var port = event.ports && event.ports[0];
  var answer = function (value) { if (port) port.postMessage(value); };
  if (message.type === "hello") {
    event.waitUntil(hello(event.source && event.source.id, String(message.url || "/")).then(answer, function () {
      answer({});
    }));
  } else if (message.type === "forget") {
    event.waitUntil(forget().then(function () { answer({}); }));
  }
});
