// Refreshes the wallboard: fetches the board fragment every few seconds and swaps it in.
// Without JavaScript the page still shows the board (reload to refresh).
(function () {
  "use strict";
  function start() {
    var holder = document.querySelector("[data-wallboard-refresh]");
    if (!holder) return;
    var seconds = parseInt(holder.getAttribute("data-wallboard-refresh"), 10) || 0;
    var url = holder.getAttribute("data-fragment-url");
    if (!seconds || !url) return;
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) holder.innerHTML = html; })
        .catch(function () { /* keep the last board */ })
        .then(function () { busy = false; });
    }, seconds * 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
