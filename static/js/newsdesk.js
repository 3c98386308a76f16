// Newsdesk keyboard: "/" focuses search, "j"/"k" move between quotes, "?" shows the keys.
// Loaded as a file (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  function quotes() {
    return Array.from(document.querySelectorAll("mark.quote[data-quote]"));
  }

  function currentIndex(list) {
    return list.findIndex((el) => el.classList.contains("current"));
  }

  function select(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach((el) => el.classList.remove("current"));
    const el = list[index];
    el.classList.add("current");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "center", behavior: "instant" });
    document.dispatchEvent(new CustomEvent("newsdesk:quote-selected", { detail: { id: el.dataset.quote } }));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    const list = quotes();
    if (event.key === "j") {
      select(list, currentIndex(list) + 1);
      event.preventDefault();
    } else if (event.key === "k") {
      const i = currentIndex(list);
      select(list, i < 0 ? 0 : i - 1);
      event.preventDefault();
    } else if (event.key === "/") {
      const search = document.querySelector("input[type=search]");
      if (search) {
        search.focus();
        event.preventDefault();
      }
    } else if (event.key === "?") {
      const help = document.getElementById("keys-help");
      if (help && !help.open) help.showModal();
      event.preventDefault();
    }
  });

  // Filter forms leave empty fields out of the request, so the pushed URL stays short and true.
  document.addEventListener("htmx:configRequest", function (event) {
    const params = event.detail.parameters;
    if (!params || event.detail.verb !== "get" || typeof params.keys !== "function") return;
    Array.from(params.keys()).forEach(function (key) {
      if (params.getAll(key).every((value) => value === "")) params.delete(key);
    });
  });

  // htmx swaps nothing when the server fails (5xx) or cannot be reached, so the page would look
  // as if the last label had been saved. Say so instead, until a request succeeds again.
  function showServerProblem(text) {
    const bar = document.getElementById("server-problem");
    if (!bar) return;
    bar.textContent = text;
    bar.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (xhr.status < 500) return;
    let text = "";
    if (xhr.status === 503) {
      // The server's own words (a short fragment), read as text: nothing of it is run or inserted.
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      text = doc.body.textContent.trim();
    }
    showServerProblem(
      text ||
        "Something went wrong on the server; your last change may not have been saved. " +
          "Reload the page to check."
    );
  });

  document.addEventListener("htmx:sendError", function () {
    showServerProblem(
      "The server is not answering; your last change may not have been saved. " +
        "Try again in a moment, then reload the page to check."
    );
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const bar = document.getElementById("server-problem");
    if (bar && !bar.hidden && event.detail.successful) bar.hidden = true;
  });

  document.addEventListener("click", function (event) {
    const mark = event.target.closest("mark.quote[data-quote]");
    if (mark) {
      const list = quotes();
      select(list, list.indexOf(mark));
    }
  });
})();
