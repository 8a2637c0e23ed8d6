// The desk when the server does not answer (docs/offline.md). Every registration is first kept in IndexedDB with
// its idempotency key, the instant it was asked on this device and the user who entered it; the answer of the
// server removes it. When the network or the server is down the three steps are rendered here, from the catalogue
// in the page (<script type="application/json" id="desk-catalogue">, not executable), and a registration waits in
// the outbox until the server answers again; it is then sent with `gevraagd` (the device's instant) and
// `gebruiker`, under this page's CSRF token, and only by a page of the same user and library. One tab sends at a
// time (Web Locks); the key makes a second sending store nothing twice. The service worker (/sw.js) keeps the
// desk page and the static files, so that a reload while offline still shows the desk.
// No inline script and no inline handlers (the strict CSP); without JavaScript the plain form works as before.
(function () {
  "use strict";

  var box = document.getElementById("outbox");
  var catalogue = document.getElementById("desk-catalogue");
  if (!box || !catalogue || !window.indexedDB) return;
  var SLUG = box.getAttribute("data-slug");
  var USER = box.getAttribute("data-user");
  var LOCATION = box.getAttribute("data-location");
  var DESK = "/t/" + SLUG + "/balie";
  var POST = DESK + "/vragen";
  var CAT = JSON.parse(catalogue.textContent);
  var PAGE = uuid(); // this page; a reload is another
  var RETRY_MS = [1000, 2000, 4000, 8000, 10000]; // then every 10 s
  var STALE_MS = 60000; // a question "being sent" by a page that cannot be asked (no Web Locks) is free after this

  var offline = false; // the steps are rendered here and registrations wait
  var blocked = ""; // "login", "form" or "user": sending waits for the user
  var keptAt = null; // the page came from the service worker's cache, kept then
  var flushing = false;
  var tries = 0;
  var timer = null;
  var announced = ""; // the outbox's status as last written
  var waited = false; // questions of this page's user waited since the page loaded (for "Alle vragen zijn verzonden.")

  // --- small helpers -------------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function csrf() {
    var input = document.querySelector('input[name="_csrf_token"]');
    return input ? input.value : "";
  }

  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function party(code) {
    for (var i = 0; i < CAT.parties.length; i++) if (CAT.parties[i].code === code) return CAT.parties[i];
    return null;
  }

  function topic(p, code) {
    for (var i = 0; p && i < p.topics.length; i++) if (p.topics[i][0] === code) return { code: code, name: p.topics[i][1] };
    return null;
  }

  function label(fields) {
    var p = party(fields.partij), t = topic(p, fields.onderwerp);
    return (p ? p.name : fields.partij) + " – " + (t ? t.name : fields.onderwerp);
  }

  function byAsked(a, b) {
    return a.asked < b.asked ? -1 : a.asked > b.asked ? 1 : a.since - b.since;
  }

  function fieldsOf(pairs) {
    var out = {};
    pairs.forEach(function (kv) { out[kv[0]] = kv[1]; });
    return out;
  }

  var announcing = ""; // the key of the kept question #announce speaks of

  function say(text, key) {
    var a = document.getElementById("announce");
    if (a) a.textContent = text;
    announcing = key || "";
  }

  // a kept question was stored: the desk no longer says it waits
  function sent(item) {
    if (announcing === item.key) say("");
    var kept = document.querySelector('#wizard [data-kept="' + item.key + '"]');
    if (kept) kept.textContent = "Verzonden: " + item.label + ".";
  }

  // a moment in Dutch time (the zone the server shows times in), as [yyyy-mm-dd, hh:mm]
  var DUTCH = new Intl.DateTimeFormat("sv-SE", {
    timeZone: CAT.zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });
  function dutch(d) {
    var s = DUTCH.format(d);
    return [s.slice(0, 10), s.slice(11, 16)];
  }

  function clock(iso) {
    var at = dutch(new Date(iso)), today = dutch(new Date())[0];
    return at[0] === today ? at[1] : at[0].split("-").reverse().join("-") + " " + at[1];
  }

  // --- the outbox in IndexedDB ------------------------------------------------------------------------------

  var opened = null;
  function db() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var req = indexedDB.open("ido-desk", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("outbox", { keyPath: "key" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return opened;
  }

  // one transaction; `work(store)` may answer a request whose result the promise resolves to
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("outbox", mode);
        var r = work(t.objectStore("outbox"));
        t.oncomplete = function () { resolve(r ? r.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  var channel = "BroadcastChannel" in window ? new BroadcastChannel("ido-desk-outbox") : null;
  function changed() {
    if (channel) channel.postMessage("changed");
    return show();
  }

  function all() {
    return tx("readonly", function (s) { return s.getAll(); });
  }

  function noop() {}

  // rejects when IndexedDB refuses (storage full, or switched off): the caller says so
  function put(item) {
    return tx("readwrite", function (s) { s.put(item); }).then(changed);
  }

  // change a kept question, if it is still there (another tab may have sent it); answers whether it was
  function update(key, patch) {
    var found = false;
    return tx("readwrite", function (s) {
      var g = s.get(key);
      g.onsuccess = function () {
        if (!g.result) return;
        found = true;
        Object.keys(patch).forEach(function (k) { g.result[k] = patch[k]; });
        s.put(g.result);
      };
    }).then(changed, noop).then(function () { return found; });
  }

  function drop(key) {
    return tx("readwrite", function (s) { s.delete(key); }).then(changed, noop);
  }

  // the pages that are open now (each holds a lock of its own); null without Web Locks
  function alive() {
    if (!navigator.locks || !navigator.locks.query) return Promise.resolve(null);
    return navigator.locks.query().then(function (state) {
      var ids = {};
      (state.held || []).forEach(function (l) { if (l.name && l.name.indexOf("ido-page-") === 0) ids[l.name.slice(9)] = true; });
      return ids;
    }, function () { return null; });
  }
  if (navigator.locks) navigator.locks.request("ido-page-" + PAGE, function () { return new Promise(function () {}); });

  // whether a kept question waits: refused ones wait for the user, one being sent for the page that sends it
  function waits(item, pages) {
    if (item.state === "waiting") return true;
    if (item.state !== "sending") return false;
    if (item.page === PAGE) return false;
    return pages ? !pages[item.page] : Date.now() - item.since > STALE_MS;
  }

  function keep(formData) {
    var pairs = [];
    formData.forEach(function (v, k) { if (k !== "_csrf_token" && typeof v === "string") pairs.push([k, v]); });
    var f = fieldsOf(pairs);
    if (!f.key) { f.key = uuid(); pairs.push(["key", f.key]); }
    return {
      key: f.key, slug: SLUG, user: USER, page: PAGE, since: Date.now(),
      asked: new Date().toISOString(), // the instant it was asked, by this device's clock
      fields: pairs, label: label(f), state: "sending", error: ""
    };
  }

  // --- what the desk shows about the outbox ---------------------------------------------------------------

  function show() {
    return Promise.all([all(), alive()]).then(function (r) {
      var mine = [], refused = [], otherUser = 0, otherLibrary = 0;
      r[0].forEach(function (item) {
        if (item.user !== USER) otherUser += 1;
        else if (item.slug !== SLUG) otherLibrary += 1;
        else if (item.state === "refused") refused.push(item);
        else if (waits(item, r[1])) mine.push(item);
      });
      mine.sort(byAsked);
      render(mine, refused, otherUser, otherLibrary);
      return mine.length;
    }, function () { return 0; });
  }

  function render(mine, refused, otherUser, otherLibrary) {
    var n = mine.length, parts = [];
    if (n) {
      waited = true;
      parts.push(n + (n === 1 ? " vraag wacht" : " vragen wachten") + " op verzending.");
      if (blocked === "login") parts.push("Uw sessie is verlopen: log opnieuw in om ze te verzenden.");
      else if (blocked === "form") parts.push("Laad de pagina opnieuw om ze te verzenden.");
      else if (blocked === "user") parts.push("Er is intussen met een ander account ingelogd: laad de pagina opnieuw.");
      else if (offline) parts.push("Geen verbinding met de server; ze worden verzonden zodra die weer antwoordt.");
    } else if (offline) {
      parts.push("Geen verbinding met de server. Nieuwe vragen worden op dit apparaat bewaard en verzonden zodra de server weer antwoordt.");
    } else if (waited && !refused.length) {
      parts.push("Alle vragen zijn verzonden.");
    }
    if (refused.length) {
      parts.push(refused.length + (refused.length === 1 ? " vraag is" : " vragen zijn") + " door de server geweigerd; zie hieronder.");
    }
    var text = parts.join(" ");
    var status = document.getElementById("outbox-status");
    if (status && text !== announced) {
      status.textContent = text;
      announced = text;
    }

    var detail = document.getElementById("outbox-detail");
    if (!detail) return;
    var children = [];
    if (keptAt) {
      children.push(el("p", { "class": "sub" }, [
        "Deze pagina is op dit apparaat bewaard" + (typeof keptAt === "number" ? " (om " + clock(new Date(keptAt).toISOString()) + ")" : "") +
        "; de lijst 'Vandaag' kan verouderd zijn."
      ]));
    }
    if (n || refused.length) {
      var list = el("ul", { "class": "outbox-list", "aria-label": "Nog niet verzonden" });
      mine.forEach(function (item) {
        list.appendChild(el("li", {}, [clock(item.asked) + " — " + item.label]));
      });
      refused.forEach(function (item) {
        list.appendChild(el("li", {}, [
          clock(item.asked) + " — " + item.label + ": ",
          el("span", { "class": "error" }, [item.error]),
          " ",
          el("button", { type: "button", "class": "action", "data-drop": item.key }, [
            "Verwijderen", el("span", { "class": "visually-hidden" }, [" (" + clock(item.asked) + ", " + item.label + ")"])
          ])
        ]));
      });
      children.push(list);
    }
    if (n && blocked === "login") {
      children.push(el("p", {}, [el("a", { href: "/login?next=" + encodeURIComponent(DESK), "class": "tap" }, ["Opnieuw inloggen"])]));
    }
    if (otherUser) {
      children.push(el("p", { "class": "sub" }, [
        "Op dit apparaat wacht" + (otherUser === 1 ? " ook 1 vraag" : "en ook " + otherUser + " vragen") +
        " van een andere gebruiker; die worden verzonden als die gebruiker hier weer inlogt."
      ]));
    }
    if (otherLibrary) {
      children.push(el("p", { "class": "sub" }, [
        "Op dit apparaat wacht" + (otherLibrary === 1 ? " ook 1 vraag" : "en ook " + otherLibrary + " vragen") +
        " voor een andere bibliotheek; die worden verzonden als u daar de balie opent."
      ]));
    }
    var fresh = el("div", {}, children);
    if (fresh.innerHTML !== detail.innerHTML) detail.replaceChildren.apply(detail, children); // keeps the focus
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-drop]");
    if (button) drop(button.getAttribute("data-drop"));
  });
  if (channel) channel.onmessage = function () { show().then(function (n) { if (n) later(); }); };

  // --- sending what waits ---------------------------------------------------------------------------------

  function later() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; flush(); }, RETRY_MS[Math.min(tries, RETRY_MS.length - 1)]);
  }

  function soon() {
    clearTimeout(timer);
    timer = null;
    tries = 0;
    flush();
  }

  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    var run = function () { return sendAll(); };
    var done = navigator.locks ? navigator.locks.request("ido-desk-outbox", run) : run();
    return done.then(null, function () {}).then(function () {
      flushing = false;
      return show();
    }).then(function (n) {
      if (n || offline) { tries += 1; later(); }
    });
  }

  function sendAll() {
    return Promise.all([all(), alive()]).then(function (r) {
      var items = r[0].filter(function (item) {
        return item.user === USER && item.slug === SLUG && waits(item, r[1]);
      }).sort(byAsked);
      if (!items.length) return offline ? ping() : null;
      if (navigator.onLine === false) return null;
      return sendFrom(items, 0, null);
    });
  }

  function ping() {
    if (navigator.onLine === false) return null;
    return fetch("/healthz", { cache: "no-store" }).then(function (r) { if (r.ok) online(); }, function () {});
  }

  function sendFrom(items, i, partial) {
    if (i >= items.length) return finish(partial);
    return send(items[i]).then(function (answer) {
      var item = items[i];
      if (answer.status >= 200 && answer.status < 300) {
        return drop(item.key).then(function () {
          online();
          sent(item);
          return sendFrom(items, i + 1, answer.text);
        });
      }
      if (answer.status === 422 || answer.status === 404) {
        online();
        return update(item.key, { state: "refused", error: refusal(answer) }).then(function () {
          return sendFrom(items, i + 1, partial);
        });
      }
      if (answer.status === 401) blocked = "login";
      else if (answer.status === 403) blocked = "form";
      else if (answer.status === 409) blocked = "user";
      else goOffline();
      return finish(partial);
    });
  }

  function send(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (kv) { body.append(kv[0], kv[1]); });
    body.set("gevraagd", item.asked);
    body.set("gebruiker", item.user);
    body.set("_csrf_token", csrf());
    return fetch(POST, {
      method: "POST",
      body: body,
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store"
    }).then(function (r) {
      return r.text().then(function (text) { return { status: r.status, text: text }; });
    }, function () { return { status: 0, text: "" }; });
  }

  function refusal(answer) {
    if (answer.status === 404) return "Deze balie is niet (meer) bereikbaar met uw account.";
    var doc = new DOMParser().parseFromString(answer.text, "text/html");
    var e = doc.getElementById("wizard-error");
    return e ? e.textContent.trim() : "De server heeft de vraag geweigerd.";
  }

  // today's list as the last answer of the server shows it (the partial has the list out of band)
  function finish(partial) {
    if (!partial) return null;
    var doc = new DOMParser().parseFromString(partial, "text/html");
    var fresh = doc.getElementById("today"), old = document.getElementById("today");
    if (fresh && old) {
      fresh.removeAttribute("hx-swap-oob");
      var copy = document.importNode(fresh, true);
      old.replaceWith(copy);
      if (window.htmx) htmx.process(copy);
    }
    return null;
  }

  function goOffline() {
    if (offline) return;
    offline = true;
    document.documentElement.setAttribute("data-desk-offline", "offline");
    show();
  }

  function online() {
    blocked = "";
    if (!offline) return;
    offline = false;
    keptAt = null;
    document.documentElement.setAttribute("data-desk-offline", "ready");
    show();
  }

  window.addEventListener("online", soon);
  window.addEventListener("offline", goOffline);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) soon(); });

  // --- the three steps without the server (mirrors templates/desk/partials/_wizard.html.j2) ----------------
  // "Doorverwezen door", chosen on the first step, goes with the next two as a hidden field, as on the server.

  function keyOf(i) {
    return i < CAT.keys.length ? CAT.keys.charAt(i) : null;
  }

  function choice(name, value, i, content, extra) {
    var k = keyOf(i);
    var attrs = { type: "submit", name: name, value: value, "class": "choice" + (extra || "") };
    if (k) {
      attrs["data-key"] = k;
      if (document.documentElement.classList.contains("keys-on")) attrs["aria-keyshortcuts"] = k;
    }
    return el("button", attrs, (k ? [el("kbd", { "class": "key", "aria-hidden": "true" }, [k])] : []).concat(content));
  }

  function hidden(name, value) {
    return el("input", { type: "hidden", name: name, value: value });
  }

  function swapTo(title, body) {
    var h = el("h2", { id: "wizard-h", tabindex: "-1" }, [title]);
    var section = el("section", { id: "wizard", "class": "wizard", "aria-labelledby": "wizard-h" },
      [h].concat(body.filter(function (b) { return b; })));
    var old = document.getElementById("wizard");
    if (!old) return;
    old.replaceWith(section);
    if (window.htmx) htmx.process(section);
    h.focus();
  }

  function stepLink(params, text) {
    var href = DESK + "?" + query(params);
    return el("p", {}, [el("a", { href: href, "hx-get": href, "hx-target": "#wizard", "hx-swap": "outerHTML", "class": "tap" }, [text])]);
  }

  function stepForm(fields, legend, choices, before) {
    var form = el("form", { method: "get", action: DESK, "hx-get": DESK, "hx-target": "#wizard", "hx-swap": "outerHTML" },
      Object.keys(fields).map(function (k) { return hidden(k, fields[k]); }));
    if (before) form.appendChild(before);
    form.appendChild(el("fieldset", {}, [el("legend", {}, [legend]), el("div", { "class": "choices" }, choices)]));
    return form;
  }

  // "Doorverwezen door" of the first step (templates/desk/partials/_referred_by.html.j2, copied from the page)
  function referredBy() {
    var template = document.getElementById("desk-referred-by");
    return template ? document.importNode(template.content, true) : null;
  }

  // a step's "Doorverwezen door" as the server keeps it (DeskController._state): one of the first step's
  // choices, with the name the desk shows, or none
  function door(value) {
    var template = document.getElementById("desk-referred-by");
    var radios = template ? template.content.querySelectorAll('input[name="door"]') : [];
    for (var i = 0; i < radios.length; i++) {
      if (value && radios[i].value === value) return { value: value, name: radios[i].getAttribute("data-name") };
    }
    return null;
  }

  // the hidden field, the note and the link parameter of a chosen "Doorverwezen door"
  function withDoor(fields, by) {
    if (by) fields.door = by.value;
    return fields;
  }

  function doorNote(by) {
    return by ? el("p", { "class": "sub referred-note" }, ["Doorverwezen door " + by.name + "."]) : null;
  }

  function partyStep(location, visit, message, key) {
    var body = [];
    if (message) {
      var again = DESK + "?" + query({ locatie: location, bezoek: visit });
      var link = el("a", { href: again, "hx-get": again, "hx-target": "#wizard", "hx-swap": "outerHTML", "class": "tap" }, ["Nog een vraag bij dit bezoek"]);
      body.push(el("p", { "class": "ok" }, [el("span", { "data-kept": key }, [message]), " ", link]));
    }
    body.push(stepForm({ locatie: location, bezoek: visit },
      "1. Over welke dienstverlener gaat de vraag?",
      CAT.parties.map(function (p, i) {
        var cut = p.name.indexOf(" (");
        var content = cut < 0 ? [el("span", { "class": "choice-name" }, [p.name])]
          : [el("span", { "class": "choice-name" }, [p.name.slice(0, cut)]), " ", el("span", { "class": "choice-long" }, [p.name.slice(cut + 1)])];
        return choice("partij", p.code, i, content, p.joined ? "" : " later");
      }), referredBy()));
    if (!offline) body.push(el("p", {}, [el("a", { href: DESK + "/telling?" + query({ locatie: location }), "class": "tap" }, ["Druk uur? Voer een telling in"])]));
    swapTo("Nieuwe vraag", body);
  }

  function topicStep(location, visit, p, by) {
    swapTo("Nieuwe vraag: " + p.name, [
      doorNote(by),
      stepForm(withDoor({ locatie: location, bezoek: visit, partij: p.code }, by), "2. Waar ging de vraag over?",
        p.topics.map(function (t, i) { return choice("onderwerp", t[0], i, [t[1]]); })),
      stepLink(withDoor({ locatie: location, bezoek: visit }, by), "Andere dienstverlener kiezen")
    ]);
  }

  function helpStep(location, visit, p, t, by) {
    var form = el("form", { method: "post", action: POST, "hx-post": POST, "hx-target": "#wizard", "hx-swap": "outerHTML", "hx-disabled-elt": "find fieldset" }, [
      hidden("_csrf_token", csrf()), hidden("key", uuid()), hidden("locatie", location), hidden("bezoek", visit),
      hidden("partij", p.code), hidden("onderwerp", t.code), by ? hidden("door", by.value) : null
    ]);
    var more = el("details", { "class": "more" }, [el("summary", {}, ["Meer vastleggen (niet verplicht)"])]);
    var template = document.getElementById("desk-details");
    if (template) more.appendChild(document.importNode(template.content, true));
    var when = more.querySelector("#tijdstip");
    if (when) when.setAttribute("max", dutch(new Date()).join("T"));
    form.appendChild(el("fieldset", {}, [el("legend", {}, ["3. Hoe is de bezoeker geholpen?"]), more,
      el("div", { "class": "choices" }, CAT.help.map(function (h, i) { return choice("hulp", h[0], i, [h[1]]); }))]));
    swapTo("Nieuwe vraag: " + p.name + " – " + t.name, [doorNote(by), form,
      stepLink(withDoor({ locatie: location, bezoek: visit, partij: p.code }, by), "Ander onderwerp kiezen")]);
  }

  // the step a GET of the desk asks for, as the server would answer it (DeskController._state)
  function step(params) {
    var location = params.locatie || LOCATION, visit = params.bezoek || uuid();
    var p = party(params.partij), t = topic(p, params.onderwerp), by = door(params.door);
    if (t) helpStep(location, visit, p, t, by);
    else if (p) topicStep(location, visit, p, by);
    else partyStep(location, visit, null);
  }

  function paramsOf(config) {
    var out = {};
    var q = config.path.indexOf("?");
    if (q >= 0) new URLSearchParams(config.path.slice(q + 1)).forEach(function (v, k) { out[k] = v; });
    if (config.formData) config.formData.forEach(function (v, k) { if (typeof v === "string") out[k] = v; });
    return out;
  }

  function kept(item) {
    var f = fieldsOf(item.fields);
    var message = "Bewaard op dit apparaat: " + item.label + ". De vraag wordt verzonden zodra de server weer antwoordt.";
    partyStep(f.locatie || LOCATION, f.bezoek || uuid(), message, item.key);
    say(message, item.key);
  }

  var NOT_KEPT = "Deze vraag kon niet op dit apparaat worden bewaard. Voer haar opnieuw in als de server weer antwoordt.";

  function unreachable(status) {
    return status === 0 || status >= 500;
  }

  function path(config) {
    return config.path.split("?")[0];
  }

  // every request of the wizard passes here first: a registration is kept before it is sent; offline, the steps
  // are rendered here and nothing is sent
  document.addEventListener("htmx:configRequest", function (event) {
    var d = event.detail;
    if (!d.target || d.target.id !== "wizard") return;
    if (d.verb === "post" && path(d) === POST) {
      var item = keep(d.formData);
      d.idoItem = item;
      if (offline || navigator.onLine === false) {
        event.preventDefault();
        item.state = "waiting";
        goOffline();
        kept(item);
        put(item).then(later, function () { say(NOT_KEPT); });
      } else {
        put(item).then(null, noop); // the post goes on: only a lost answer would need the copy
      }
      return;
    }
    if (!offline && navigator.onLine !== false) return;
    event.preventDefault();
    goOffline();
    if (d.verb === "get" && path(d) === DESK) step(paramsOf(d));
    else say("Geen verbinding met de server: dit kan pas als de server weer antwoordt.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var d = event.detail, config = d.requestConfig;
    if (!config || !d.target || d.target.id !== "wizard") return;
    var status = d.xhr ? d.xhr.status : 0, item = config.idoItem;
    if (unreachable(status)) {
      d.idoOffline = true; // desk-keys.js: the keys typed ahead go on with the step rendered here
      goOffline();
      if (item) {
        kept(item);
        update(item.key, { state: "waiting" }).then(function (found) {
          if (found) later();
          else say(NOT_KEPT);
        });
      } else if (config.verb === "get" && path(config) === DESK) {
        step(paramsOf(config));
      } else {
        say("Geen verbinding met de server: dit kan pas als de server weer antwoordt.");
      }
      return;
    }
    if (status === 401 || status === 403) {
      // the session expired (htmx goes to the login page) or the form's token is stale: the question waits
      if (item) {
        blocked = status === 401 ? "login" : "form";
        update(item.key, { state: "waiting" });
      }
      return;
    }
    if (item) drop(item.key); // stored, or refused and shown with the form
    online();
    if (status >= 200 && status < 300) show().then(function (n) { if (n) soon(); });
  });

  // --- the service worker ---------------------------------------------------------------------------------

  function ask(worker, message) {
    return new Promise(function (resolve) {
      var ch = new MessageChannel();
      ch.port1.onmessage = function (e) { resolve(e.data || {}); };
      worker.postMessage(message, [ch.port2]);
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var worker = navigator.serviceWorker.controller || reg.active;
      return worker && ask(worker, { type: "hello", url: location.pathname + location.search });
    }).then(function (answer) {
      if (!answer) return;
      if (answer.fromCache) {
        keptAt = answer.fromCache;
        goOffline();
      } else if (answer.kept && !offline) {
        document.documentElement.setAttribute("data-desk-offline", "ready");
      }
      show();
    }, function () {});
  }

  if (navigator.onLine === false) goOffline();
  show().then(function (n) { if (n) soon(); });
})();
