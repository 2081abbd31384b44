// Display board: ETag polling with a stale indicator, the newest call across the screen for a few
// seconds, and one chime + spoken sentence (a WAV made by the server) per call or recall, in a queue.
(function () {
  "use strict";

  var POLL_STALE_MS = 7000;      // three missed 2-second polls: say the board is stale
  var ANNOUNCE_MAX_AGE_S = 180;  // after an outage, old calls are shown but no longer announced
  var SPEECH_TIMEOUT_MS = 15000; // a file that never ends or never loads must not block the queue

  var head = document.querySelector(".board__head");
  var lang = (head && head.dataset.lang) || "vi";
  var etag = head ? head.dataset.etag : null;
  var lastOk = Date.now();
  var announced = new Set();
  var pending = [];   // speech URLs, oldest first; the head stays until it was played
  var speaking = false;
  var blocked = false;
  var audio = null;
  var sound = document.getElementById("board-sound");

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
      if (!ctx || ctx.state !== "running") { resolve(); return; }
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

  // Plays the sentence to its end. Rejects only when the browser refuses to play without a click;
  // a file that fails to load or play (no speech engine on the server) just ends: the chime said it.
  function say(src) {
    return new Promise(function (resolve, reject) {
      var player = new Audio(src);
      var done = false;
      var timer = setTimeout(finish, SPEECH_TIMEOUT_MS);
      function finish() {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      }
      player.addEventListener("ended", finish);
      player.addEventListener("error", finish);
      var started = player.play();
      if (started && started.catch) {
        started.catch(function (error) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (error && error.name === "NotAllowedError") reject(error); else resolve();
        });
      }
    });
  }

  function setBlocked(isBlocked) {
    blocked = isBlocked;
    if (sound) sound.hidden = !isBlocked;
  }

  // One announcement at a time, in order: a new call never cuts off the one being spoken.
  function drain() {
    if (speaking || blocked || !pending.length) return;
    speaking = true;
    chime().then(function () { return say(pending[0]); }).then(function () {
      pending.shift();
      speaking = false;
      setTimeout(drain, 500);
    }, function () {
      // Sound is blocked: keep the call, tell staff, and say it after the click.
      speaking = false;
      setBlocked(true);
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
      if (announce && Number(item.dataset.age) <= ANNOUNCE_MAX_AGE_S) {
        pending.push(item.dataset.speech);
        // Fetched now, while the chime plays: the sentence follows it without a pause.
        if (window.fetch) fetch(item.dataset.speech).catch(function () {});
      }
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

  // Browsers start audio only after a gesture unless Chromium runs with
  // --autoplay-policy=no-user-gesture-required (README); otherwise one click anywhere enables it.
  var ctx = audioContext();
  if (ctx && ctx.state !== "running") setBlocked(true);
  document.addEventListener("click", function () {
    if (!blocked) return;
    var resumed = ctx ? ctx.resume() : Promise.resolve();
    resumed.then(function () { setBlocked(false); drain(); }, function () { setBlocked(false); drain(); });
  });

  // --- the newest call across the screen -------------------------------------------------------

  // The server shows the hero while the call is fresh; a board whose polls then hear "nothing
  // changed" (304) hides it itself when its time is up.
  var heroTimer = null;
  function scheduleHero() {
    clearTimeout(heroTimer);
    var hero = document.getElementById("board-hero");
    if (!hero) return;
    heroTimer = setTimeout(function () { hero.hidden = true; },
      Math.max(0, Number(hero.dataset.heroLeft) || 0) * 1000);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "board-live") scheduleHero();
  });
  scheduleHero();

  collect(false); // what is on the board at load was announced before
})();
