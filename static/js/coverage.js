// Coverage review keyboard: j/k or s move between suggested links, c confirms, x rejects,
// 1-5 change the relation, u undoes. Loaded as a file (the CSP forbids inline scripts).
(function () {
  "use strict";

  const skipped = new Set();

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
    if (!current()) selectFirst();
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

  // After a decision the queue is re-rendered: start at the first link not skipped.
  function selectFirst() {
    const list = cards();
    select(list.find((el) => !skipped.has(el.dataset.link)) || list[0]);
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
    if (button) button.click();
    return Boolean(button);
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

  // A refused decision (400, 409) comes back as the refreshed queue with a message: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "queue") selectFirst();
  });

  document.addEventListener("DOMContentLoaded", selectFirst);
})();
