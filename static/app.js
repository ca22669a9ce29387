// Progressive enhancements only: the site works without this file.
(function () {
  "use strict";

  // Copy-link button on event pages: shown only when the clipboard API exists.
  function setupCopy(root) {
    root.querySelectorAll("button.copy-link[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        var status = button.parentElement.querySelector(".copy-status");
        navigator.clipboard.writeText(input.value).then(
          function () { if (status) status.textContent = "Link copied."; },
          function () {
            input.select();
            if (status) status.textContent = "Press Ctrl+C to copy the selected link.";
          }
        );
      });
    });
  }

  // Keep shared URLs short: drop empty form fields (q=, date_from=) from htmx requests.
  document.addEventListener("htmx:configRequest", function (evt) {
    var data = evt.detail.formData;
    if (!data) return;
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      var kept = data.getAll(key).filter(function (v) { return String(v).trim() !== ""; });
      if (kept.length === data.getAll(key).length) return;
      data.delete(key);
      kept.forEach(function (v) { data.append(key, v); });
    });
  });

  // Policy state: after prev/next swaps the matrix, the date control shows its day
  // (left alone while the reader is typing in it).
  document.addEventListener("htmx:afterSwap", function () {
    var input = document.getElementById("as_of");
    var shown = document.querySelector("#results-heading time[datetime]");
    if (input && shown && document.activeElement !== input) {
      input.value = shown.getAttribute("datetime");
    }
  });

  document.addEventListener("DOMContentLoaded", function () { setupCopy(document); });
})();
