// Coverage review keyboard: j/k or s move between suggested links, c confirms, x rejects,
// 1-5 change the relation, u undoes. Loaded as a file (the CSP forbids inline scripts).
//
// A decision answers with its card as it now is (a relation change) or nothing (the card
// leaves), and the queue's bar out of band; an undo puts the card it restored first. So the
// cards on the page are the ones it was given, less those decided: when none is left, the
// queue is asked for again.
(function () {
  "use strict";

  const skipped = new Set();
  // Where the current card was when a decision was sent: the card that takes its place is next.
  let place = 0;

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  function cards() {
    return Array.from(document.querySelectorAll("#queue .link-card"));
  }

  function current() {
    return document.querySelector("#queue .link-card.current");
  }

  // Right after a swap no card is current yet: act on the first one not skipped.
  function currentOrFirst() {
    if (!current()) selectFrom(0);
    return current();
  }

  function select(card) {
    if (!card) return;
    cards().forEach((el) => el.classList.remove("current"));
    card.classList.add("current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest", behavior: "instant" });
  }

  function move(step) {
    const list = cards();
    if (!list.length) return;
    const i = list.indexOf(current());
    select(list[Math.max(0, Math.min(list.length - 1, i + step))]);
  }

  // The first card not skipped from position `i` on, else the first not skipped at all.
  function selectFrom(i) {
    const list = cards();
    const open = (el) => !skipped.has(el.dataset.link);
    select(list.slice(i).find(open) || list.find(open) || list[Math.min(i, list.length - 1)]);
  }

  function skip(card) {
    if (!card) return;
    skipped.add(card.dataset.link);
    const list = cards();
    const next = list.slice(list.indexOf(card) + 1).find((el) => !skipped.has(el.dataset.link));
    select(next || card);
  }

  function press(card, key) {
    const button = (card || document).querySelector('button[data-key="' + key + '"]');
    if (!button) return false;
    // A form swapped in a moment ago (the bar's undo, a card put back) may not have been
    // through htmx yet: clicked then, it would post the plain way and reload the page. Processing
    // an element htmx already knows changes nothing.
    if (button.form) htmx.process(button.form);
    button.click();
    return true;
  }

  // Every card decided: ask for the queue again (it says so itself when nothing is left).
  function refill() {
    const queue = document.getElementById("queue");
    if (!queue || cards().length || queue.querySelector(".empty")) return;
    place = 0;
    htmx.ajax("GET", window.location.pathname, { target: "#queue", swap: "outerHTML" });
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    const card = currentOrFirst();
    let handled = true;
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "s") skip(card);
    else if (event.key === "u") handled = press(document.getElementById("queue"), "u");
    else if (["c", "x", "1", "2", "3", "4", "5"].includes(event.key)) handled = press(card, event.key);
    else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const skipButton = event.target.closest("#queue button.skip");
    if (skipButton) {
      skip(skipButton.closest(".link-card"));
      return;
    }
    const card = event.target.closest("#queue .link-card");
    if (card && !card.classList.contains("current")) select(card);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target.closest || !event.target.closest("#queue")) return;
    const i = cards().indexOf(current());
    if (i >= 0) place = i;
  });

  // A refused decision (400, 409) comes back with the queue's bar saying why (and, for a 409,
  // without the card another reviewer decided first): show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("queue")) return;
    if (!current() && cards().length) selectFrom(place);
    refill();
  });

  // An undo put its card back first (replacing the one shown, if it still was): select it.
  document.addEventListener("coverage:restored", function (event) {
    const id = String(event.detail.link);
    const copies = cards().filter((el) => el.dataset.link === id);
    copies.slice(1).forEach((el) => el.remove());
    const empty = document.querySelector("#queue .empty");
    if (empty) empty.remove();
    skipped.delete(id);
    select(copies[0]);
  });

  document.addEventListener("DOMContentLoaded", function () {
    selectFrom(0);
  });
})();
