// Citizen screens: the kiosk returns home when idle, prints each new ticket once, keeps its clock;
// the phone page buzzes when the ticket is called. Everything here is an enhancement: without
// JavaScript the kiosk still issues tickets through plain forms.
(function () {
  "use strict";

  var idleTimer = null;
  var deadline = 0;
  var busy = false;
  var lastIssue = null;  // the ticket form whose tap failed, sent again by "Thử lại"

  function screen() { return document.getElementById("kiosk-screen"); }

  // --- idle return to the home screen -------------------------------------------------------------
  // Every kiosk screen returns home when nobody touches it; the home screen "returns" to itself too,
  // so its waiting counts and its one-time request id refresh. In the last seconds a countdown
  // shows over the screen, and a touch keeps the citizen where they are.
  function frame() { return document.querySelector("[data-kiosk-home]"); }
  function homeUrl() { return frame().getAttribute("data-kiosk-home"); }
  function onHome() {
    var el = screen();
    return !el || el.getAttribute("data-screen") === "home";
  }

  // What a citizen typed never stays for the next one, even in the page the browser caches.
  function clearForms() {
    document.querySelectorAll("#kiosk-screen input, #kiosk-screen textarea").forEach(function (field) {
      if (field.type === "hidden" || field.type === "radio" || field.type === "checkbox") return;
      field.value = "";
    });
    document.querySelectorAll("#kiosk-screen form").forEach(function (form) { form.reset(); });
  }

  function goHome() {
    var url = homeUrl();
    hideOverlays();
    clearForms();
    var homePath = url.split("?")[0];
    // The home, priority and ticket screens swap inside the home page; the others are pages.
    if (window.htmx && screen() && window.location.pathname === homePath) {
      window.htmx.ajax("GET", url, { target: "#kiosk-screen", swap: "outerHTML" });
    } else {
      // Replace, not assign: the abandoned screen leaves the history with what was typed in it.
      window.location.replace(url);
    }
  }

  function idleSeconds() {
    var seconds = parseFloat(frame().getAttribute("data-idle-seconds"));
    return seconds > 0 ? seconds : 20;
  }

  // The countdown's length: ten seconds, or half the idle time when that is shorter.
  function countdownSeconds() { return Math.min(10, Math.floor(idleSeconds() / 2)); }

  function showProgress(el, seconds) {
    var fill = el && el.querySelector("[data-idle-progress]");
    if (!fill) return;
    // Restart the bar: jump to full without a transition, then shrink over the idle time.
    fill.style.transition = "none";
    fill.style.transform = "scaleX(1)";
    void fill.offsetWidth;
    fill.style.transition = "transform " + seconds + "s linear";
    fill.style.transform = "scaleX(0)";
  }

  function countdown() { return document.querySelector("[data-idle-countdown]"); }

  function tickIdle() {
    var left = (deadline - Date.now()) / 1000;
    if (busy || failureShown()) { armIdle(); return; }
    if (left <= 0) { goHome(); return; }
    var box = countdown();
    if (box && !onHome() && left <= countdownSeconds()) {
      box.querySelector("[data-idle-count]").textContent = String(Math.ceil(left));
      box.hidden = false;
    }
    idleTimer = setTimeout(tickIdle, Math.min(250, left * 1000));
  }

  function armIdle() {
    clearTimeout(idleTimer);
    if (!frame()) return;
    var box = countdown();
    if (box) box.hidden = true;
    var seconds = idleSeconds();
    deadline = Date.now() + seconds * 1000;
    showProgress(screen(), seconds);
    idleTimer = setTimeout(tickIdle, 250);
  }

  // --- a tap that did not give a ticket -----------------------------------------------------------
  // The form keeps its request id: sending it again answers the ticket the first tap may already
  // have issued (the server saw it, the answer was lost), never a second one.
  function failure() { return document.querySelector("[data-kiosk-failure]"); }
  function failureShown() { var el = failure(); return el && !el.hidden; }

  function refusalText(xhr) {
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector("#error p:last-child");
      return node ? node.textContent.trim() : "";
    } catch (e) { return ""; }
  }

  function showFailure(form, xhr) {
    var box = failure();
    if (!box) return;
    lastIssue = form;
    var status = xhr ? xhr.status : 0;
    var reason = status === 0 ? "network" : status >= 500 ? "server" : "refused";
    var refused = box.querySelector("[data-failure-reason=refused]");
    refused.textContent = reason === "refused" ? refusalText(xhr) : "";
    if (reason === "refused" && !refused.textContent) reason = "server";
    box.querySelectorAll("[data-failure-reason]").forEach(function (p) {
      p.hidden = p.getAttribute("data-failure-reason") !== reason;
    });
    var banner = document.getElementById("error-banner");
    if (banner) banner.hidden = true;
    box.hidden = false;
    box.querySelector("[data-failure-retry]").focus();
  }

  function issueForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("form[data-kiosk-issue]") : null;
  }

  function hideOverlays() {
    var box = failure();
    if (box) box.hidden = true;
    var counter = countdown();
    if (counter) counter.hidden = true;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var form = issueForm(event);
    if (form) showFailure(form, event.detail.xhr);
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = issueForm(event);
    if (form) showFailure(form, null);
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-failure-retry]")) {
      hideOverlays();
      if (lastIssue && document.body.contains(lastIssue)) {
        lastIssue.requestSubmit();
      } else {
        goHome();
      }
    } else if (target.closest("[data-failure-home], [data-kiosk-go-home]")) {
      event.preventDefault();  // without JavaScript the link loads the home page instead
      goHome();
    } else if (target.closest("[data-idle-continue]")) {
      armIdle();
    }
  });

  // The language switch comes back to the screen on show, also one swapped in without a reload.
  function keepScreenForLanguage() {
    var next = document.querySelector("[data-language-next]");
    var el = screen();
    if (next && el && el.getAttribute("data-screen-url")) {
      next.value = el.getAttribute("data-screen-url");
    }
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
    // The message form sits outside the polled card, so it follows the card's status here:
    // messages are only taken while the ticket waits.
    var contact = document.getElementById("ticket-contact");
    if (contact) contact.hidden = status !== "waiting";
    lastStatus = status;
  }

  // --- wiring -------------------------------------------------------------------------------------
  function onScreen() {
    armIdle();
    keepScreenForLanguage();
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
