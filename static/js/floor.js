// Floor view: count durations on from the instants the server gave (a 304 poll answer swaps
// nothing: see the htmx-config in base.html).
(function () {
  "use strict";

  var offset = 0; // the server's clock minus this browser's: a wrong PC clock skews nothing

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function sync() {
    var floor = document.getElementById("floor");
    var now = floor && Date.parse(floor.dataset.now);
    if (now) offset = now - Date.now();
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("#floor [data-since]").forEach(function (node) {
      var seconds = Math.max(0, Math.floor((now - Date.parse(node.dataset.since)) / 1000));
      node.textContent = format(seconds);
      if (node.dataset.limit) {
        var over = seconds > Number(node.dataset.limit);
        node.classList.toggle("elapsed--over", over);
        var stat = node.closest(".stat");
        if (stat) stat.classList.toggle("stat--bad", over);
      }
    });
  }

  document.addEventListener("htmx:afterSettle", function () { sync(); tick(); });
  sync();
  setInterval(tick, 1000);
})();
