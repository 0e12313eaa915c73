// Kizuna's only page script. Loaded from our own origin (CSP: no inline scripts).
(function () {
  "use strict";

  // A Japanese IME confirms a conversion with Enter. That Enter must never submit the form
  // (or trigger htmx): swallow an Enter keydown while composing, or the one Safari sends right
  // after composition ends (keyCode 229). Other keys are left alone. Captured at the document
  // so every form is covered.
  document.addEventListener("keydown", function (event) {
    var enter = event.key === "Enter" || event.code === "Enter" || event.code === "NumpadEnter";
    if (enter && (event.isComposing || event.keyCode === 229)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The language switch returns to the page as it is now, including filters that htmx pushed
  // into the address bar after the page was rendered.
  document.addEventListener("submit", function (event) {
    var next = event.target.matches("form.lang") && event.target.querySelector("[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  }, true);

  // Confirmation for destructive buttons: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();

(function () {
  "use strict";

  // List filters (<form data-drop-empty>): leave empty fields out of the htmx request, so the URL
  // pushed into the address bar is short and shareable (/accounts/?q=山田, not ten empty params).
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    var data = event.detail.formData;
    if (!form || !form.matches || !form.matches("form[data-drop-empty]") || !data) return;
    var empty = [];
    data.forEach(function (value, key) {
      if (data.getAll(key).every(function (v) { return v === ""; })) empty.push(key);
    });
    empty.forEach(function (key) { data.delete(key); });
  });
})();
