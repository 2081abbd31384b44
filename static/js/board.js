// Display board: ETag polling with a stale indicator, and one chime + spoken sentence per call or recall.
(function () {
  "use strict";

  var POLL_STALE_MS = 7000;      // three missed 2-second polls: say the board is stale
  var ANNOUNCE_MAX_AGE_S = 180;  // after an outage, old calls are shown but no longer announced
  var SPEECH_TIMEOUT_MS = 15000; // some engines never fire "end": do not block the queue forever

  var head = document.querySelector(".board__head");
  var lang = (head && head.dataset.lang) || "vi";
  var etag = head ? head.dataset.etag : null;
  var lastOk = Date.now();
  var announced = new Set();
  var pending = [];
  var speaking = false;
  var audio = null;

  // --- announcements ---------------------------------------------------------------------------

  function audioContext() {
    if (audio) return audio;
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    try { audio = new Context(); } catch (e) { audio = null; }
    return audio;
  }

  // A two-note "ding-dong" built from sine waves: no audio file to fetch or to fail.
  function chime() {
    return new Promise(function (resolve) {
      var ctx = audioContext();
      if (!ctx) { resolve(); return; }
      var start = ctx.currentTime + 0.05;
      [[880, 0], [659.25, 0.45]].forEach(function (note) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = note[0];
        gain.gain.setValueAtTime(0.0001, start + note[1]);
        gain.gain.exponentialRampToValueAtTime(0.5, start + note[1] + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + note[1] + 0.9);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start + note[1]);
        osc.stop(start + note[1] + 1);
      });
      setTimeout(resolve, 1500);
    });
  }

  function voiceFor(synth) {
    var voices = synth.getVoices ? synth.getVoices() : [];
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().replace("_", "-").indexOf(lang) === 0) return voices[i];
    }
    return null;
  }

  // Speak only with a voice of the board's language; without one the chime alone announces.
  function speak(text) {
    return new Promise(function (resolve) {
      var synth = window.speechSynthesis;
      var voice = synth && typeof SpeechSynthesisUtterance !== "undefined" ? voiceFor(synth) : null;
      if (!voice) { resolve(); return; }
      var utterance = new SpeechSynthesisUtterance(text);
      try { utterance.voice = voice; } catch (e) { /* a voice object the engine does not know */ }
      utterance.lang = voice.lang || (lang === "vi" ? "vi-VN" : lang);
      utterance.rate = 0.9;
      var done = false;
      var timer = setTimeout(finish, SPEECH_TIMEOUT_MS);
      function finish() {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      }
      utterance.onend = finish;
      utterance.onerror = finish;
      synth.speak(utterance);
    });
  }

  // One announcement at a time, in order: a new call never cuts off the one being spoken.
  function drain() {
    if (speaking || !pending.length) return;
    speaking = true;
    var text = pending.shift();
    chime().then(function () { return speak(text); }).then(function () {
      speaking = false;
      setTimeout(drain, 500);
    });
  }

  // Each call and recall is an event with its own id: remember the ids, announce each new one once.
  function collect(announce) {
    var items = document.querySelectorAll("#board-live [data-call-id]");
    for (var i = items.length - 1; i >= 0; i--) { // oldest first
      var item = items[i];
      var id = item.dataset.callId;
      if (announced.has(id)) continue;
      announced.add(id);
      if (announce && Number(item.dataset.age) <= ANNOUNCE_MAX_AGE_S) pending.push(item.dataset.say);
    }
    drain();
  }

  // --- polling, 304 and the stale indicator ----------------------------------------------------

  var stale = document.getElementById("board-stale");

  function setStale(isStale) {
    if (!stale) return;
    if (isStale && stale.hidden) {
      var since = stale.querySelector("[data-stale-since]");
      if (since) since.textContent = clockText(new Date(lastOk));
    }
    stale.hidden = !isStale;
    document.body.classList.toggle("board--stale", isStale);
  }

  function isBoardPoll(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.id === "board-live";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (isBoardPoll(event) && etag) event.detail.headers["If-None-Match"] = etag;
  });

  // beforeSwap fires while the polling element is still in the page (after an outerHTML swap
  // the later events of this request fire on the detached old element and never reach document).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isBoardPoll(event)) return;
    var xhr = event.detail.xhr;
    if (xhr.status === 200 || xhr.status === 304) {
      lastOk = Date.now();
      etag = xhr.getResponseHeader("ETag") || etag;
      setStale(false);
    }
    if (xhr.status === 304) event.detail.shouldSwap = false;
  });

  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (isBoardPoll(event)) setStale(true);
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "board-live") collect(true);
  });

  // --- clock and sound switch ------------------------------------------------------------------

  var clockFormat = new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB",
    { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });

  function clockText(date) { return clockFormat.format(date); }

  var clock = document.getElementById("board-clock");
  setInterval(function () {
    if (clock) clock.textContent = clockText(new Date());
    if (Date.now() - lastOk > POLL_STALE_MS) setStale(true);
  }, 1000);

  // Browsers start audio only after a gesture (a kiosk Chromium runs with
  // --autoplay-policy=no-user-gesture-required); otherwise offer one tap to enable it.
  var sound = document.getElementById("board-sound");
  var ctx = audioContext();
  if (sound && ctx && ctx.state === "suspended") {
    sound.hidden = false;
    sound.addEventListener("click", function () {
      ctx.resume();
      if (window.speechSynthesis && typeof SpeechSynthesisUtterance !== "undefined") {
        window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
      }
      sound.hidden = true;
    });
  }

  collect(false); // what is on the board at load was announced before
})();
