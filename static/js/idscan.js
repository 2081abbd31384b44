// Intake: fill the applicant's name, ID number and address from the QR code of a chip ID card.
// A counter scanner types the code into the scan field like a keyboard and presses Enter; the
// server reads it (one parser for every path) and this fills the fields without reloading the
// form. Without this file, the Enter posts the form and the server shows it again, filled.
(function () {
  "use strict";

  function status(box, text, ok) {
    var line = box.querySelector(".scan__status");
    line.textContent = text;
    line.classList.toggle("field__error", !ok);
    line.classList.toggle("scan__status--ok", ok);
    box.classList.toggle("field--error", !ok);
  }

  function fill(form, name, value) {
    var input = form.querySelector("[name=" + name + "]");
    if (input) input.value = value;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || input.name !== "scan") return;
    var box = input.closest("[data-scan-url]");
    if (!box) return;
    event.preventDefault(); // the Enter ends a scan; it must not submit the intake
    var form = input.form;
    var body = new FormData();
    body.append("scan", input.value);
    body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    fetch(box.getAttribute("data-scan-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          status(box, answer.data.error.message, false);
          input.select(); // the next scan types over the bad one
          return;
        }
        fill(form, "applicant_name", answer.data.applicant_name);
        fill(form, "id_number", answer.data.id_number);
        fill(form, "address", answer.data.address);
        input.value = "";
        status(box, answer.data.message, true);
        var phone = form.querySelector("[name=phone]");
        if (phone) phone.focus(); // the card has no phone number: the officer types it next
      })
      .catch(function () {
        status(box, box.getAttribute("data-offline-message"), false);
      });
  });
})();
