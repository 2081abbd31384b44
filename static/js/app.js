// Small glue for htmx pages: show request errors in one banner.
(function () {
  "use strict";
  function banner(message) {
    var el = document.getElementById("error-banner");
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector("#error p:last-child") || doc.querySelector("main");
      text = node ? node.textContent.trim() : "";
    } catch (e) { text = ""; }
    banner(text || (document.documentElement.lang === "en" ? "Something went wrong." : "Đã có lỗi xảy ra."));
  });
  document.addEventListener("htmx:sendError", function () {
    banner(document.documentElement.lang === "en" ? "No connection to the server." : "Mất kết nối tới máy chủ.");
  });
})();
