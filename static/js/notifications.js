// The inbox: each notification is a plain link (a GET, which changes nothing). Following an unread one
// marks it read by posting the item's own "Mark read" form in the background (its CSRF token included),
// with sendBeacon so the post survives the page being left; without this script the buttons do it.
(function () {
  "use strict";

  function markRead(event) {
    if (event.type === "auxclick" && event.button !== 1) return; // the middle button opens a new tab
    var link = event.target.closest ? event.target.closest("a.notification-link") : null;
    var item = link && link.closest("[data-notification]");
    var form = item && item.querySelector("form[data-notification-read]");
    if (!form) return; // already read
    var data = new FormData(form);
    data.append("background", "1");
    var sent = navigator.sendBeacon && navigator.sendBeacon(form.action, data);
    if (!sent) {
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin", keepalive: true })
        .catch(function () { /* offline: "Mark read" still works */ });
    }
    // Show it read at once (also when the page comes back from the browser's cache).
    item.classList.remove("list-group-item-warning");
    var badge = item.querySelector("[data-notification-new]");
    if (badge) badge.remove();
    form.remove();
    document.querySelectorAll("[data-unread-count]").forEach(function (count) {
      var left = parseInt(count.getAttribute("data-unread-count"), 10) - 1;
      count.setAttribute("data-unread-count", String(left));
      if (left > 0) count.firstChild.textContent = String(left);
      else count.remove();
    });
  }

  document.addEventListener("click", markRead);
  document.addEventListener("auxclick", markRead);
})();
