// Citizen screens: the kiosk returns home when idle, prints each new ticket once, keeps its clock;
// the phone page buzzes when the ticket is called. Everything here is an enhancement: without
// JavaScript the kiosk still issues tickets through plain forms.
(function () {
  "use strict";

  var idleTimer = null;
  var busy = false;

  function screen() { return document.getElementById("kiosk-screen"); }

  // --- idle return to the home screen -------------------------------------------------------------
  // The home screen "returns" to itself too: its waiting counts and its one-time request id refresh.
  function frame() { return document.querySelector("[data-kiosk-home]"); }

  function goHome() {
    var el = screen();
    var url = frame().getAttribute("data-kiosk-home");
    if (window.htmx && el) {
      window.htmx.ajax("GET", url, { target: "#kiosk-screen", swap: "outerHTML" });
    } else {
      // No htmx (its CDN unreachable) or no screen left to swap (an error replaced it): reload.
      window.location.assign(url);
    }
  }

  function idleSeconds(el) {
    var seconds = parseFloat(el.getAttribute("data-idle-seconds"));
    return seconds > 0 ? seconds : 20;
  }

  function showProgress(el, seconds) {
    var fill = el.querySelector("[data-idle-progress]");
    if (!fill) return;
    // Restart the bar: jump to full without a transition, then shrink over the idle time.
    fill.style.transition = "none";
    fill.style.transform = "scaleX(1)";
    void fill.offsetWidth;
    fill.style.transition = "transform " + seconds + "s linear";
    fill.style.transform = "scaleX(0)";
  }

  function armIdle() {
    clearTimeout(idleTimer);
    if (!frame()) return;
    var el = screen() || frame();
    var seconds = idleSeconds(el);
    showProgress(el, seconds);
    idleTimer = setTimeout(function () {
      if (busy) { armIdle(); return; }
      goHome();
    }, seconds * 1000);
  }

  // --- printing -----------------------------------------------------------------------------------
  // A kiosk's Chromium runs with --kiosk --kiosk-printing: window.print() goes straight to the
  // default printer, using the 80 mm print stylesheet of the ticket screen (static/css/kiosk.css).
  function printOnce(el) {
    if (!el || !el.hasAttribute("data-autoprint")) return;
    var ticket = el.getAttribute("data-ticket");
    try {
      // A double tap or a reload answers the same ticket as the last one printed: once is enough.
      if (window.sessionStorage.getItem("kiosk:lastPrinted") === ticket) return;
      window.sessionStorage.setItem("kiosk:lastPrinted", ticket);
    } catch (e) { /* storage disabled: print anyway */ }
    setTimeout(function () { window.print(); }, 150);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print-button]") : null;
    if (!button) return;
    event.preventDefault();  // without JavaScript the link opens the PDF instead
    window.print();
  });

  // --- the hall clock -----------------------------------------------------------------------------
  function tick() {
    var time = document.querySelector("[data-clock-time]");
    var date = document.querySelector("[data-clock-date]");
    if (!time) return;
    var lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
    var now = new Date();
    var zone = "Asia/Ho_Chi_Minh";
    time.textContent = now.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
    if (date) {
      var text = now.toLocaleDateString(lang, { weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", timeZone: zone });
      date.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    }
  }

  // --- the phone page -----------------------------------------------------------------------------
  var lastStatus = null;
  var baseTitle = document.title;

  function noticeCall() {
    var card = document.getElementById("ticket-status");
    if (!card) return;
    var status = card.getAttribute("data-status");
    var called = status === "called";
    if (called && lastStatus && lastStatus !== "called" && navigator.vibrate) {
      navigator.vibrate([400, 200, 400, 200, 400]);
    }
    var text = card.querySelector(".call-card__text");
    document.title = called && text ? "🔔 " + text.textContent : baseTitle;
    lastStatus = status;
  }

  // --- wiring -------------------------------------------------------------------------------------
  function onScreen() {
    armIdle();
    printOnce(screen());
    noticeCall();
  }

  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, armIdle, { passive: true });
  });
  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  document.addEventListener("htmx:afterRequest", function () { busy = false; });
  document.addEventListener("htmx:afterSettle", onScreen);
  // A touch screen's long press opens the context menu, which a kiosk has no use for.
  document.addEventListener("contextmenu", function (event) {
    if (document.body.classList.contains("kiosk")) event.preventDefault();
  });

  function start() {
    onScreen();
    tick();
    setInterval(tick, 10000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
