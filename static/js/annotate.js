// Newsdesk annotation keys: with a quote selected (click, j/k), a label's key saves that label,
// "u" undoes the last label change; selecting text in the body offers to mark it as a quote.
// A file, not inline code: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  let current = null;

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  // Label colours come from the admin; set through the CSSOM (style attributes are forbidden).
  function paint(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      if (/^#[0-9a-fA-F]{6}$/.test(el.dataset.colour)) {
        el.style.setProperty("--label-colour", el.dataset.colour);
      }
    });
  }

  function highlight() {
    document.querySelectorAll(".quote-entry.current").forEach((el) => el.classList.remove("current"));
    const entry = current && document.getElementById("qe-" + current);
    if (entry) entry.classList.add("current");
  }

  document.addEventListener("newsdesk:quote-selected", function (event) {
    current = event.detail.id;
    highlight();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    if (event.key === "u") {
      const undo = document.getElementById("undo-button");
      if (undo) {
        undo.click();
        event.preventDefault();
      }
      return;
    }
    if (!current || event.key.length !== 1) return;
    const entry = document.getElementById("qe-" + current);
    if (!entry) return;
    const button = Array.from(entry.querySelectorAll("button.label-button")).find(
      (b) => b.dataset.key === event.key.toLowerCase()
    );
    if (button) {
      button.click();
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    paint(event.detail.target.isConnected ? event.detail.target : document);
    paint(document);
    highlight();
    const error = document.querySelector(".quote-entry .error");
    if (error) {
      const note = error.closest(".quote-entry").querySelector("input[name=note]");
      if (note) note.focus();
    }
  });

  // 400/409/422 carry a message to show in place (the entry re-rendered with its error).
  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- marking a quote from a text selection -------------------------------------------------

  function codePoints(text) {
    return Array.from(text).length;
  }

  // Offsets are Python string indices (code points); the body's paragraphs are joined by "\n\n".
  function selectionOffsets(body, range) {
    const paragraphs = Array.from(body.querySelectorAll(":scope > p"));
    const para = paragraphs.find((p) => p.contains(range.startContainer));
    if (!para || !para.contains(range.endContainer)) return null;
    let before = 0;
    for (const p of paragraphs) {
      if (p === para) break;
      before += codePoints(p.textContent) + 2;
    }
    const head = document.createRange();
    head.setStart(para, 0);
    head.setEnd(range.startContainer, range.startOffset);
    const text = range.toString();
    const start = before + codePoints(head.toString());
    return { start: start, end: start + codePoints(text), text: text };
  }

  document.addEventListener("mouseup", function () {
    const form = document.getElementById("new-quote-form");
    const body = document.querySelector(".reader .body");
    if (!form || !body) return;
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return;
    const span = selectionOffsets(body, range);
    if (!span || !span.text.trim()) return;
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.text.value = span.text;
    form.querySelector(".new-quote-text").textContent = span.text;
    form.hidden = false;
  });

  document.addEventListener("DOMContentLoaded", function () {
    paint(document);
  });
})();
