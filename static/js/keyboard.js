// The kiosk's on-screen keyboard: a touchscreen in the hall has no physical keyboard, yet citizens
// search procedures in Vietnamese, type dossier codes and phone digits. Any input or textarea with
// data-keyboard="vi" | "numeric" | "code" gets a keyboard button next to it; tapping the field or
// the button opens the keyboard at the bottom of the screen. Focus set by a script (a scanner-first
// lookup focuses its field) does not open it, so the keyboard never hides a screen unasked; a field
// marked data-keyboard-open (the one thing a screen asks for next) opens it when it appears.
//
// Vietnamese letters are composed with Telex on the word before the caret (aa -> â, dd -> đ,
// s f r x j -> tones, z removes the tone), or with the dedicated letter and tone keys. The tone sits
// where the classic orthography puts it, as on the office's own papers ("hòa", "thủy", "khỏe"):
// on the letter with a hat or horn (ư ơ takes it on ơ); alone, on the vowel; of three vowels, on
// the middle one; of two, on the second when a consonant ends the word, else on the first.
// "gi" and "qu" at the start count as consonants ("giá", "quý"). The composition is a pure function
// (OnScreenKeyboard.telex) so it can be checked over a table of words.
(function (root) {
  "use strict";

  // --- Telex composition (pure) -------------------------------------------------------------------
  var TONE_MARKS = { s: "\u0301", f: "\u0300", r: "\u0309", x: "\u0303", j: "\u0323" };
  var ALL_TONES = "\u0301\u0300\u0309\u0303\u0323";
  var HAT = "\u0302"; // â ê ô
  var BREVE = "\u0306"; // ă
  var HORN = "\u031B"; // ơ ư
  var VOWELS = "aeiouy";

  // One letter as {c: base letter, shape, tone, up}: "Ấ" -> {c: "a", shape: HAT, tone: sắc, up: true}.
  function parseChar(ch) {
    var decomposed = ch.normalize("NFD");
    var lower = decomposed.charAt(0).toLowerCase();
    var letter = { c: lower, shape: "", tone: "", up: decomposed.charAt(0) !== lower };
    if (lower === "\u0111") letter.c = "đ";
    for (var i = 1; i < decomposed.length; i++) {
      var mark = decomposed.charAt(i);
      if (ALL_TONES.indexOf(mark) >= 0) letter.tone = mark;
      else if (mark === HAT || mark === BREVE || mark === HORN) letter.shape = mark;
      else letter.c += mark;
    }
    return letter;
  }

  function parse(word) {
    return Array.from(word.normalize("NFC")).map(parseChar);
  }

  function render(letters) {
    return letters.map(function (l) {
      var text = (l.c + l.shape + l.tone).normalize("NFC");
      return l.up ? text.toUpperCase() : text;
    }).join("");
  }

  function isVowel(l) { return l.c.length === 1 && VOWELS.indexOf(l.c) >= 0; }

  // Indexes of the vowels that carry the tone: the last run of vowels, without the "u" of a leading
  // "qu" or the "i" of a leading "gi" when another vowel follows.
  function nucleus(letters) {
    var end = -1;
    for (var i = letters.length - 1; i >= 0; i--) {
      if (isVowel(letters[i])) { end = i; break; }
    }
    if (end < 0) return [];
    var start = end;
    while (start > 0 && isVowel(letters[start - 1])) start--;
    if (end > start && start === 1) {
      var onset = letters[0].c + letters[1].c;
      if ((onset === "qu" && letters[1].shape === "") || (onset === "gi" && letters[1].shape === "")) start++;
    }
    var indexes = [];
    for (var k = start; k <= end; k++) indexes.push(k);
    return indexes;
  }

  function toneIndex(letters) {
    var vowels = nucleus(letters);
    if (!vowels.length) return -1;
    var shaped = vowels.filter(function (i) { return letters[i].shape; });
    if (shaped.length) return shaped[shaped.length - 1];
    if (vowels.length === 1) return vowels[0];
    if (vowels.length >= 3) return vowels[1];
    var closed = vowels[vowels.length - 1] < letters.length - 1;
    return closed ? vowels[1] : vowels[0];
  }

  function currentTone(letters) {
    for (var i = 0; i < letters.length; i++) if (letters[i].tone) return letters[i].tone;
    return "";
  }

  // Put the word's tone (or the given one) on the right vowel; no vowel, no tone.
  function placeTone(letters, tone) {
    var mark = tone === undefined ? currentTone(letters) : tone;
    letters.forEach(function (l) { l.tone = ""; });
    var at = toneIndex(letters);
    if (mark && at >= 0) letters[at].tone = mark;
    return letters;
  }

  // "uơ" only ends a word (thuở); once anything follows, both letters take the horn (người).
  function hornPair(letters) {
    var vowels = nucleus(letters);
    for (var n = 0; n + 1 < vowels.length; n++) {
      var u = letters[vowels[n]];
      var o = letters[vowels[n + 1]];
      if (u.c === "u" && u.shape === "" && o.c === "o" && o.shape === HORN && vowels[n + 1] < letters.length - 1) {
        u.shape = HORN;
      }
    }
  }

  function literal(letters, key) {
    letters.push(parseChar(key));
    hornPair(letters);
    return placeTone(letters);
  }

  function lastVowelOf(letters, bases) {
    var vowels = nucleus(letters);
    for (var n = vowels.length - 1; n >= 0; n--) {
      if (bases.indexOf(letters[vowels[n]].c) >= 0) return vowels[n];
    }
    return -1;
  }

  // The word after typing one more letter with Telex. Typing a rule's key twice undoes it and
  // keeps the letter ("ass" -> "as"), as every Telex keyboard does.
  function telex(word, key) {
    var letters = parse(word);
    var k = key.toLowerCase();
    if (TONE_MARKS[k] && toneIndex(letters) >= 0) {
      if (currentTone(letters) === TONE_MARKS[k]) return render(literal(placeTone(letters, ""), key));
      return render(placeTone(letters, TONE_MARKS[k]));
    }
    if (k === "z" && currentTone(letters)) return render(placeTone(letters, ""));
    if (k === "d" && letters.length) {
      var last = letters[letters.length - 1];
      if (last.c === "d") { last.c = "đ"; return render(letters); }
      if (last.c === "đ") { last.c = "d"; return render(literal(letters, key)); }
    }
    if (k === "a" || k === "e" || k === "o") {
      var at = lastVowelOf(letters, k);
      if (at >= 0) {
        if (letters[at].shape === HAT) {
          letters[at].shape = "";
          return render(literal(letters, key));
        }
        letters[at].shape = HAT;
        return render(placeTone(letters));
      }
    }
    if (k === "w") {
      var vowels = nucleus(letters);
      for (var n = 0; n + 1 < vowels.length; n++) {
        var u = letters[vowels[n]];
        var o = letters[vowels[n + 1]];
        if (u.c === "u" && o.c === "o" && !(u.shape === HORN && o.shape === HORN) && !(u.shape === "" && o.shape === HORN)) {
          o.shape = HORN;
          // "ươ" needs something after it; at the end of the word it is "uơ" (thuở) until then.
          u.shape = vowels[n + 1] < letters.length - 1 || u.shape === HORN ? HORN : "";
          return render(placeTone(letters));
        }
      }
      var w = lastVowelOf(letters, "aou");
      if (w >= 0) {
        var target = letters[w].c === "a" ? BREVE : HORN;
        if (letters[w].shape === target) {
          letters[w].shape = "";
          if (w > 0 && letters[w].c === "o" && letters[w - 1].c === "u") letters[w - 1].shape = "";
          return render(literal(letters, key));
        }
        letters[w].shape = target;
        hornPair(letters);
        return render(placeTone(letters));
      }
    }
    return render(literal(letters, key));
  }

  // A whole text typed key by key with Telex; non-letters end a word.
  function telexText(keys) {
    var done = "";
    var word = "";
    Array.from(keys).forEach(function (key) {
      if (/\p{L}/u.test(key)) {
        word = telex(word, key);
      } else {
        done += word + key;
        word = "";
      }
    });
    return (done + word).normalize("NFC");
  }

  // The word with the given tone (or none) on its right vowel, for the dedicated tone keys.
  function withTone(word, tone) {
    var letters = parse(word);
    if (toneIndex(letters) < 0) return word;
    return render(placeTone(letters, TONE_MARKS[tone] || ""));
  }

  var api = { telex: telex, telexText: telexText, withTone: withTone };
  root.OnScreenKeyboard = api;
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof document === "undefined" || root.__oskStarted) return;
  root.__oskStarted = true;

  // --- the keyboard on the page -------------------------------------------------------------------
  var script = document.currentScript;
  var labels = {};
  try { labels = JSON.parse(script.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  function label(name, fallback) { return labels[name] || fallback; }

  var LETTER_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
  var CODE_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM.-"];
  var VI_LETTERS = "âăđêôơư";
  var TONE_KEYS = [["s", "á"], ["f", "à"], ["r", "ả"], ["x", "ã"], ["j", "ạ"], ["z", "a"]];

  var panel = null;
  var field = null; // the input being typed into
  var layout = "";
  var shift = 0; // 0 off, 1 next letter, 2 caps lock
  var pointerFocus = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function key(action, value, text, extra) {
    var button = el("button", "osk-key" + (extra ? " " + extra : ""), text);
    button.type = "button";
    button.tabIndex = -1;
    button.setAttribute("data-osk", action);
    if (value !== undefined) button.setAttribute("data-value", value);
    return button;
  }

  function row(keys, extra) {
    var line = el("div", "osk-row" + (extra ? " " + extra : ""));
    keys.forEach(function (k) { line.appendChild(k); });
    return line;
  }

  function charKeys(chars) {
    return Array.from(chars).map(function (ch) { return key("char", ch, ch); });
  }

  function backspaceKey() {
    var button = key("backspace", undefined, "⌫", "osk-key--wide osk-key--action");
    button.setAttribute("aria-label", label("backspace", "Xóa"));
    return button;
  }

  function closeKey() {
    var button = key("close", undefined, label("hide", "Ẩn bàn phím"), "osk-key--action osk-key--hide");
    return button;
  }

  function doneKey() {
    return key("done", undefined, label("done", "Xong"), "osk-key--done");
  }

  function build(kind) {
    var body = el("div", "osk-body osk-body--" + kind);
    if (kind === "vi") {
      if (composes(field)) body.appendChild(el("p", "osk-hint", label("hint", "")));
      body.appendChild(row(charKeys(LETTER_ROWS[0])));
      body.appendChild(row(charKeys(LETTER_ROWS[1])));
      body.appendChild(row(charKeys(LETTER_ROWS[2]).concat([backspaceKey()])));
      var shiftKey = key("shift", undefined, "⇧", "osk-key--action osk-key--shift");
      shiftKey.setAttribute("aria-label", label("shift", "Chữ hoa"));
      body.appendChild(row([shiftKey].concat(charKeys(LETTER_ROWS[3]), charKeys(",."))));
      body.appendChild(row(charKeys(VI_LETTERS), "osk-row--vi"));
      body.appendChild(row(TONE_KEYS.map(function (pair) {
        var button = key("tone", pair[0], "", "osk-key--tone");
        button.appendChild(el("span", "osk-key__big", pair[1]));
        button.appendChild(el("span", "osk-key__small", label("tone_" + pair[0], pair[0])));
        return button;
      }), "osk-row--tones"));
      var numbers = key("layout", "numeric", "123", "osk-key--action");
      numbers.setAttribute("aria-label", label("numbers", "Bàn phím số"));
      body.appendChild(row([numbers, key("char", " ", label("space", "Dấu cách"), "osk-key--space"),
        key("char", "@", "@"), closeKey(), doneKey()]));
    } else if (kind === "code") {
      CODE_ROWS.forEach(function (chars, i) {
        body.appendChild(row(charKeys(chars).concat(i === 2 ? [backspaceKey()] : [])));
      });
      body.appendChild(row([closeKey(), doneKey()]));
    } else {
      body.appendChild(row(charKeys("123")));
      body.appendChild(row(charKeys("456")));
      body.appendChild(row(charKeys("789")));
      var corner = digitsOnly(field) ? el("span", "osk-key osk-key--blank") :
        key("layout", "vi", "ABC", "osk-key--action");
      corner.setAttribute("aria-label", label("letters", "Bàn phím chữ"));
      body.appendChild(row([corner, key("char", "0", "0"), backspaceKey()]));
      body.appendChild(row([closeKey(), doneKey()]));
    }
    return body;
  }

  // Telex only where Vietnamese is expected: letters in an e-mail address stay as tapped.
  function composes(input) {
    return !!input && input.getAttribute("data-keyboard") === "vi";
  }

  function digitsOnly(input) {
    return !!input && (input.getAttribute("pattern") || "").indexOf("[0-9]") === 0;
  }

  function ensurePanel() {
    if (panel) return panel;
    panel = el("div", "osk");
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", label("keyboard", "Bàn phím"));
    panel.hidden = true;
    // Taps on keys must not take the focus (and the caret) away from the field.
    panel.addEventListener("mousedown", function (event) { event.preventDefault(); });
    panel.addEventListener("click", onKey);
    document.body.appendChild(panel);
    return panel;
  }

  function showLayout(kind) {
    layout = kind;
    ensurePanel().replaceChildren(build(kind));
    panel.setAttribute("data-layout", kind);
    setShift(0);
    updateDone();
  }

  function open(input, kind) {
    field = input;
    showLayout(kind || input.getAttribute("data-keyboard"));
    panel.hidden = false;
    document.documentElement.classList.add("osk-open");
    document.body.style.paddingBottom = panel.offsetHeight + "px";
    toggles().forEach(function (t) { t.setAttribute("aria-expanded", String(t.__oskField === input)); });
    if (document.activeElement !== input) input.focus({ preventScroll: true });
    // The field stays in sight above the keyboard.
    var box = input.getBoundingClientRect();
    var free = window.innerHeight - panel.offsetHeight;
    if (box.top < 0 || box.bottom > free) window.scrollBy(0, box.top - Math.max(16, (free - box.height) / 3));
  }

  function close() {
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    document.documentElement.classList.remove("osk-open");
    document.body.style.paddingBottom = "";
    toggles().forEach(function (t) { t.setAttribute("aria-expanded", "false"); });
    field = null;
  }

  function toggles() { return Array.from(document.querySelectorAll(".osk-toggle")); }

  // The next empty keyboard field of the same form, where "Xong" goes before it submits.
  function nextField(input) {
    if (!input || !input.form) return null;
    var fields = Array.from(input.form.querySelectorAll("[data-keyboard]"));
    for (var i = fields.indexOf(input) + 1; i < fields.length; i++) {
      if (!fields[i].value && !fields[i].disabled && fields[i].offsetParent !== null) return fields[i];
    }
    return null;
  }

  function updateDone() {
    var done = panel && panel.querySelector("[data-osk=done]");
    if (done) done.textContent = nextField(field) ? label("next", "Tiếp") : label("done", "Xong");
  }

  function announce(input, data) {
    input.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: data }));
    input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true, key: data || "Unidentified" }));
  }

  function selection(input) {
    var value = input.value;
    var start = input.selectionStart;
    var end = input.selectionEnd;
    if (start === null || start === undefined) { start = value.length; end = value.length; }
    return { before: value.slice(0, start), after: value.slice(end), selected: start !== end };
  }

  // Replace what is before the caret and keep the caret right after it.
  function write(input, before, after, data) {
    var value = (before + after).normalize("NFC");
    var limit = input.maxLength;
    if (limit > 0 && value.length > limit && value.length > input.value.length) return;
    var caret = before.normalize("NFC").length;
    input.value = value;
    try { input.setSelectionRange(caret, caret); } catch (e) { /* type=number keeps no caret */ }
    announce(input, data);
  }

  function typeChar(input, ch) {
    var s = selection(input);
    var text = ch;
    if (layout === "vi" && shift) text = ch.toUpperCase();
    var word = s.selected ? null : s.before.match(/\p{L}+$/u);
    if (layout === "vi" && composes(input) && /\p{L}/u.test(ch) && word) {
      var head = s.before.slice(0, s.before.length - word[0].length);
      write(input, head + telex(word[0], text), s.after, text);
    } else {
      write(input, s.before + text, s.after, text);
    }
    if (shift === 1) setShift(0);
  }

  function typeTone(input, tone) {
    var s = selection(input);
    var word = s.before.match(/\p{L}+$/u);
    if (!word) return;
    var head = s.before.slice(0, s.before.length - word[0].length);
    write(input, head + withTone(word[0], tone), s.after, null);
  }

  function backspace(input) {
    var s = selection(input);
    if (s.selected) write(input, s.before, s.after, null);
    else if (s.before) write(input, Array.from(s.before).slice(0, -1).join(""), s.after, null);
  }

  function setShift(state) {
    shift = state;
    panel.classList.toggle("osk--shift", shift > 0);
    panel.classList.toggle("osk--caps", shift === 2);
    panel.querySelectorAll("[data-osk=char]").forEach(function (button) {
      var value = button.getAttribute("data-value");
      if (value.length === 1 && /\p{L}/u.test(value)) button.textContent = shift ? value.toUpperCase() : value;
    });
  }

  function done(input) {
    var next = nextField(input);
    if (next) { open(next); return; }
    var form = input.form;
    close();
    input.blur();
    // Short forms (a search, a lookup) are sent; a long one with a text area has its own button.
    if (input.tagName !== "TEXTAREA" && form && !form.querySelector("textarea")) form.requestSubmit();
  }

  function onKey(event) {
    var button = event.target.closest("[data-osk]");
    if (!button || !field) return;
    if (!field.isConnected) { close(); return; }
    var value = button.getAttribute("data-value");
    switch (button.getAttribute("data-osk")) {
      case "char": typeChar(field, value); break;
      case "tone": typeTone(field, value); break;
      case "backspace": backspace(field); break;
      case "shift": setShift(shift === 0 ? 1 : shift === 1 ? 2 : 0); break;
      case "layout": showLayout(value); break;
      case "close": close(); return;
      case "done": done(field); return;
    }
    updateDone();
  }

  // --- attaching to fields ------------------------------------------------------------------------
  function attach(scope) {
    var root = scope.querySelectorAll ? scope : document;
    var inputs = Array.from(root.querySelectorAll("[data-keyboard]"));
    if (root.matches && root.matches("[data-keyboard]")) inputs.push(root);
    inputs.forEach(function (input) {
      if (input.__oskToggle) return;
      // The kiosk's own keyboard replaces the tablet's system one; a scanner still types as keys.
      input.setAttribute("inputmode", "none");
      var toggle = el("button", "osk-toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-label", label("toggle", "Bàn phím"));
      toggle.setAttribute("aria-expanded", "false");
      toggle.innerHTML = '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path fill="currentColor" d="M3 6h18a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1Zm1 2v8h16V8H4Zm1 1h2v2H5V9Zm3 0h2v2H8V9Zm3 0h2v2h-2V9Zm3 0h2v2h-2V9Zm3 0h2v2h-2V9ZM5 12h2v2H5v-2Zm12 0h2v2h-2v-2ZM8 12h8v2H8v-2Z"/></svg>';
      toggle.__oskField = input;
      toggle.addEventListener("mousedown", function (event) { event.preventDefault(); });
      toggle.addEventListener("click", function () {
        if (field === input && panel && !panel.hidden) close();
        else open(input);
      });
      input.__oskToggle = toggle;
      // The field and its button share a line, whatever the form's own layout.
      var wrapper = el("span", "osk-field");
      // Moving the field drops its focus (autofocus on a scanner's box): it is given back.
      var focused = document.activeElement === input;
      input.insertAdjacentElement("beforebegin", wrapper);
      wrapper.append(input, toggle);
      if (focused) input.focus({ preventScroll: true });
    });
    // A screen that asks for exactly one thing next (the phone digits after a scanned code)
    // shows its keypad at once: the citizen has nothing else to tap first.
    var asked = inputs.filter(function (input) { return input.hasAttribute("data-keyboard-open"); })[0];
    if (asked && asked.offsetParent !== null) open(asked);
  }

  // A tap on a field opens the keyboard; focus from a script (autofocus, a scanner screen) does not.
  document.addEventListener("pointerdown", function (event) {
    pointerFocus = !!(event.target.closest && event.target.closest("[data-keyboard]"));
  }, true);
  document.addEventListener("focusin", function (event) {
    var input = event.target.closest && event.target.closest("[data-keyboard]");
    if (input && pointerFocus) open(input);
    else if (field !== input && !(panel && panel.contains(event.target))) close();
    pointerFocus = false;
  });
  document.addEventListener("click", function (event) {
    var input = event.target.closest && event.target.closest("[data-keyboard]");
    if (input && (!panel || panel.hidden || field !== input)) open(input);
  });
  // A form cleared (the idle reset) or swapped away takes the keyboard with it.
  document.addEventListener("reset", close, true);
  document.addEventListener("htmx:afterSwap", function () { if (field && !field.isConnected) close(); });
  document.addEventListener("htmx:load", function (event) { attach(event.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { attach(document); });
  else attach(document);
})(typeof window !== "undefined" ? window : globalThis);
