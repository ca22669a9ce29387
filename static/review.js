// The review desk's keyboard shortcuts and the selection of a missed sentence.
// Every action is also a plain form: the desk works without this file.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function items() {
    return Array.from(document.querySelectorAll(".queue-item"));
  }

  function current() {
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".queue-item") : null;
    return focused || document.querySelector(".queue-item.current") || items()[0] || null;
  }

  function select(item) {
    items().forEach(function (other) { other.classList.remove("current"); });
    if (!item) return;
    item.classList.add("current");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = items();
    var at = all.indexOf(current());
    select(all[Math.min(all.length - 1, Math.max(0, at + step))]);
  }

  function press(scope, key) {
    var target = scope && scope.querySelector("[data-key='" + key + "']");
    if (target) target.click();
    return Boolean(target);
  }

  function lastUndo() {
    var buttons = document.querySelectorAll("button.undo");
    return buttons.length ? buttons[buttons.length - 1] : null;
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || typing(evt.target)) return;
    var desk = document.querySelector("[data-desk]");
    if (!desk) return;
    var kind = desk.dataset.desk;
    var handled = true;
    if (kind === "queue" && evt.key === "j") move(1);
    else if (kind === "queue" && evt.key === "k") move(-1);
    else if (kind === "queue" && (evt.key === "c" || evt.key === "x" || evt.key === "e")) handled = press(current(), evt.key);
    else if (kind === "event" && (evt.key === "c" || evt.key === "x")) handled = press(desk, evt.key);
    else if (kind === "event" && evt.key === "e") {
      var first = document.getElementById("f-type");
      if (first) first.focus(); else handled = false;
    } else if (evt.key === "u") {
      var undo = lastUndo();
      if (undo) undo.click(); else handled = false;
    } else if (evt.key === "?") {
      var keys = document.querySelector("details.keys");
      if (keys) keys.open = !keys.open; else handled = false;
    } else handled = false;
    if (handled) evt.preventDefault();
  });

  // After htmx swaps a queue item, keep the reader's place on it.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var item = evt.detail && evt.detail.target;
    if (item && item.id && document.getElementById(item.id)) select(document.getElementById(item.id));
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var swapped = evt.detail && evt.detail.elt;
    if (swapped && swapped.classList && swapped.classList.contains("queue-item")) select(swapped);
  });

  // Adding a missed event: the selection's offsets, in characters (code points, as the
  // server counts them) of the article's text.
  function codePoints(text) { return Array.from(text).length; }

  function onSelection() {
    var container = document.getElementById("article-text");
    var selection = window.getSelection();
    if (!container || !selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return;
    var before = document.createRange();
    before.selectNodeContents(container);
    before.setEnd(range.startContainer, range.startOffset);
    var start = codePoints(before.toString());
    var text = range.toString();
    document.getElementById("f-start").value = String(start);
    document.getElementById("f-end").value = String(start + codePoints(text));
    document.getElementById("selection-preview").textContent = text;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var article = document.getElementById("article-text");
    if (article) {
      article.addEventListener("mouseup", onSelection);
      article.addEventListener("keyup", onSelection);
    }
    if (document.querySelector("[data-desk='queue']")) select(items()[0] || null);
  });
})();
