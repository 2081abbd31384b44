// Counter console: keyboard shortcuts for the buttons that carry data-key (N, R, V, B, H, T, 1-9).
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return;
    var key = event.key.toLowerCase();
    var control = document.querySelector('.console [data-key="' + CSS.escape(key) + '"]:not([disabled])');
    if (!control) return;
    event.preventDefault();
    if (control.tagName === "SELECT") {
      // T: choose the service with the arrows, then Enter submits the transfer form.
      control.focus();
      return;
    }
    if (control.closest("form") && control.closest("form").classList.contains("htmx-request")) return;
    control.click();
  });

  // Enter inside the transfer list submits it, as a keyboard user expects.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches('.console select[data-key="t"]')) {
      event.preventDefault();
      var form = event.target.closest("form");
      if (form) form.requestSubmit();
    }
  });
})();
