// Shortcut keys on the desk: the key shown on a party, topic or help button presses that button, so a question
// takes three keys. Not while typing in a field, not with Ctrl, Alt or Meta. A key pressed while htmx swaps the
// wizard waits for the next step (typing ahead); after a refusal or a failed request the waiting keys are dropped.
// Without this script the buttons are the plain form: the keys stay hidden (html.keys-on shows them). When the
// server does not answer, desk-offline.js renders the steps itself, at once: the keys work the same there.
(function () {
  "use strict";

  var waiting = [];
  var busy = null; // the request that swaps the wizard now

  function wizard() {
    return document.getElementById("wizard");
  }

  // a radio button or check box takes no letters or digits: the keys choose on ("Doorverwezen door", warm or koud)
  function typing(el) {
    if (el && el.tagName === "INPUT" && /^(radio|checkbox)$/i.test(el.type)) return false;
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function mark() {
    var buttons = document.querySelectorAll("#wizard button[data-key]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-keyshortcuts", buttons[i].getAttribute("data-key"));
    }
  }

  function press(key) {
    var w = wizard();
    if (!w) return false;
    var buttons = w.querySelectorAll("button[data-key]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-key") === key && !buttons[i].disabled) {
        buttons[i].click();
        return true;
      }
    }
    return false;
  }

  function next() {
    while (!busy && waiting.length) {
      press(waiting.shift());
    }
  }

  function aboutWizard(event) {
    var target = event.detail && event.detail.target;
    return !!target && target.id === "wizard";
  }

  // the settle (or failure) of the request in flight, once: htmx reports a settle per swapped element
  function ends(event) {
    return !!busy && !!event.detail && event.detail.xhr === busy;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    var key = event.key.toLowerCase();
    if (typing(event.target) || !/^[0-9a-z]$/.test(key) || !wizard()) return;
    if (busy) {
      waiting.push(key);
      event.preventDefault();
    } else if (press(key)) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (aboutWizard(event)) busy = event.detail.xhr;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!ends(event)) return;
    busy = null;
    mark();
    if (document.getElementById("wizard-error")) waiting = [];
    next();
  });
  ["htmx:responseError", "htmx:sendError", "htmx:timeout", "htmx:sendAbort"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (!ends(event)) return;
      busy = null;
      if (event.detail.idoOffline) {
        // desk-offline.js rendered the step itself (the server did not answer): the keys go on there
        mark();
        next();
      } else {
        waiting = [];
      }
    });
  });

  document.documentElement.classList.add("keys-on");
  mark();
})();
