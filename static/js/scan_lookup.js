// A hand scanner types like a keyboard into whatever has the focus. When a citizen has tapped
// somewhere else first, keys typed with nothing editable focused are sent to the scan box.
(function () {
  "use strict";
  if (window.scanLookupListening) return;
  window.scanLookupListening = true;
  document.addEventListener("keydown", function (event) {
    var box = document.querySelector("[data-scan-input]");
    if (!box || event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return;
    // Moving the focus during keydown makes the browser type this very key into the box.
    box.focus();
  });
})();
