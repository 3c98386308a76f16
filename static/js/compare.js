// Compare page: the full texts scroll in step, aligned quote by aligned quote, and Print prints.
// Loaded as a file (the Content-Security-Policy forbids inline scripts); htmx swaps re-bind it.
(function () {
  "use strict";

  let following = false; // true while we move the other panes, so their scroll events are ignored

  function topQuote(pane) {
    // The first aligned quote at or below the pane's top edge.
    const marks = pane.querySelectorAll("mark.quote[data-row]");
    for (const mark of marks) {
      if (mark.offsetTop + mark.offsetHeight > pane.scrollTop) return mark;
    }
    return null;
  }

  function follow(source, panes) {
    const mark = topQuote(source);
    const ratio = source.scrollTop / Math.max(1, source.scrollHeight - source.clientHeight);
    following = true;
    for (const pane of panes) {
      if (pane === source) continue;
      const twin = mark && pane.querySelector('mark.quote[data-row="' + mark.dataset.row + '"]');
      if (twin) {
        pane.scrollTop = twin.offsetTop - (mark.offsetTop - source.scrollTop);
      } else {
        pane.scrollTop = ratio * (pane.scrollHeight - pane.clientHeight);
      }
    }
    window.requestAnimationFrame(function () {
      following = false;
    });
  }

  function bind(root) {
    const panes = Array.from(root.querySelectorAll(".fulltexts .pane"));
    for (const pane of panes) {
      if (pane.dataset.bound) continue;
      pane.dataset.bound = "1";
      pane.addEventListener("scroll", function () {
        if (!following) follow(pane, panes);
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind(document);
  });
  document.addEventListener("htmx:afterSwap", function () {
    bind(document);
  });

  // Hovering or focusing an aligned quote in the full text lights up its renderings elsewhere.
  function light(event, on) {
    const mark = event.target.closest && event.target.closest(".fulltexts mark.quote[data-row]");
    if (!mark) return;
    document
      .querySelectorAll('.fulltexts mark.quote[data-row="' + mark.dataset.row + '"]')
      .forEach((el) => el.classList.toggle("lit", on));
  }
  document.addEventListener("mouseover", (event) => light(event, true));
  document.addEventListener("mouseout", (event) => light(event, false));

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
