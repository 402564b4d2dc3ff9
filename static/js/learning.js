// "Don't ask twice": while a member types the title of a new help request, ask the portal for
// matching published learning and resolved requests and show them in an aria-live region.
(function () {
  "use strict";
  var box = document.getElementById("request-suggestions");
  var title = document.getElementById("id_title");
  var results = document.getElementById("request-suggestions-results");
  if (!box || !title || !results) return;
  var url = box.getAttribute("data-url");
  // With this script running the suggestions do follow the typing: say so (the page without it never does).
  var hint = document.getElementById("request-suggestions-hint");
  if (hint && hint.hasAttribute("data-live-hint")) hint.textContent = hint.getAttribute("data-live-hint");
  var timer = null;
  var last = null;
  var controller = null;

  function list(heading, items, describe) {
    var fragment = document.createDocumentFragment();
    if (!items.length) return fragment;
    var h = document.createElement("h3");
    h.className = "h6";
    h.textContent = heading;
    fragment.appendChild(h);
    var ul = document.createElement("ul");
    ul.className = "small";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = item.title;
      li.appendChild(a);
      var note = document.createElement("span");
      note.className = "text-body-secondary";
      note.textContent = " (" + describe(item) + ")";
      li.appendChild(note);
      ul.appendChild(li);
    });
    fragment.appendChild(ul);
    return fragment;
  }

  function render(data) {
    results.replaceChildren();
    if (!data.artefacts.length && !data.requests.length) {
      var p = document.createElement("p");
      p.className = "small mb-0";
      p.textContent = "Nothing similar found yet.";
      results.appendChild(p);
      return;
    }
    results.appendChild(list("Captured learning", data.artefacts, function (i) { return i.kind; }));
    results.appendChild(list("Similar resolved requests", data.requests, function (i) { return i.status; }));
  }

  function lookUp() {
    var q = title.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 4) {
      results.replaceChildren();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(q), {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* aborted or offline: the preview step still works */ });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 300);
  });
})();
