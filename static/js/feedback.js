// Feedback screens: the kiosk's on-screen keypad, live character counts, and returning an
// abandoned kiosk or tablet screen to its start. Everything also works without this file.
(function () {
  "use strict";

  var IDLE_SECONDS = 60;
  var idleTimer = null;

  // Keypad buttons type into the field named by data-keypad-for (no physical keyboard on a kiosk).
  document.addEventListener("click", function (event) {
    var key = event.target.closest("[data-key]");
    if (!key) return;
    var pad = key.closest("[data-keypad-for]");
    var input = pad && document.getElementById(pad.getAttribute("data-keypad-for"));
    if (!input) return;
    var value = key.getAttribute("data-key");
    if (value === "back") input.value = input.value.slice(0, -1);
    else if (value === "clear") input.value = "";
    else input.value += value;
    input.focus();
  });

  // "123/500" under a text area; over the limit it turns red (the server gives the message).
  function updateCount(area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    if (!counter) return;
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    var length = area.value.length;
    counter.textContent = length + "/" + limit;
    counter.classList.toggle("details-form__count--over", length > limit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-limit]")) updateCount(event.target);
    restartIdle();
  });

  // A kiosk or tablet screen left half-way (looked up, tapped, reasons open) returns to its start.
  function restartIdle() {
    clearTimeout(idleTimer);
    var panel = document.querySelector("[data-idle-return]");
    if (!panel) return;
    idleTimer = setTimeout(function () {
      var target = panel.getAttribute("data-idle-return");
      if (window.htmx && document.body.contains(panel)) {
        window.htmx.ajax("GET", target, { target: "#" + panel.id, swap: "outerHTML" });
      } else {
        window.location.assign(target);
      }
    }, IDLE_SECONDS * 1000);
  }
  ["pointerdown", "keydown"].forEach(function (name) { document.addEventListener(name, restartIdle, true); });

  function refresh() {
    document.querySelectorAll("textarea[data-limit]").forEach(updateCount);
    var input = document.getElementById("rate-query");
    if (input && document.activeElement !== input) input.focus();
    restartIdle();
  }
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
