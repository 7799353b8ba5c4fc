// colorme-sync console: progressive enhancements only; every page works without it.
"use strict";
// A page answering a form names the page the form belongs to: put it in the
// address bar, so that a reload shows it instead of sending the form again.
(function () {
  var get = document.querySelector('meta[name="get-url"]');
  if (get && window.history && history.replaceState) history.replaceState(null, "", get.getAttribute("content"));
})();
document.addEventListener("DOMContentLoaded", function () {
  var back = document.getElementById("back");
  if (back) back.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
  // A page that shows a running export polls its state and reloads when it changes.
  var poll = document.querySelector("[data-poll]");
  if (poll) {
    var url = poll.getAttribute("data-poll");
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          var el;
          for (var k in p) { if ((el = document.querySelector('[data-field="' + k + '"]'))) el.textContent = p[k]; }
          if (p.done) { clearInterval(timer); location.reload(); }
        })
        .catch(function () {});
    }, 1000);
  }
});
