// Patient identifiers: while a member types into a field marked data-phi-check, ask the portal
// (the same detectors that run when the form is posted) and warn under the field, in an aria-live
// region. The check on submit still decides; this only warns early.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="childsys-phi-check"]');
  var fields = document.querySelectorAll("[data-phi-check]");
  if (!meta || !fields.length) return;
  var url = meta.getAttribute("content");

  function csrfToken(field) {
    var form = field.form;
    var input = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function regionFor(field) {
    var id = field.id + "-phi-warning";
    var region = document.getElementById(id);
    if (!region) {
      region = document.createElement("div");
      region.id = id;
      region.className = "phi-warning small";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", region);
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(id);
      field.setAttribute("aria-describedby", described.join(" "));
    }
    return region;
  }

  function render(field, findings) {
    var region = regionFor(field);
    region.replaceChildren();
    if (!findings.length) {
      region.classList.remove("alert", "alert-warning", "py-2", "mt-1");
      return;
    }
    region.classList.add("alert", "alert-warning", "py-2", "mt-1");
    var ul = document.createElement("ul");
    ul.className = "mb-0 ps-3";
    findings.forEach(function (finding) {
      var li = document.createElement("li");
      li.append("This looks like " + finding.label + ": ");
      var mark = document.createElement("mark");
      mark.textContent = finding.value;
      li.appendChild(mark);
      li.append(". Remove it, or describe the patient without identifiers.");
      ul.appendChild(li);
    });
    region.appendChild(ul);
  }

  function check(field) {
    var body = new URLSearchParams();
    body.set("text", field.value);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(field), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    })
      .then(function (response) { return response.ok ? response.json() : { findings: [] }; })
      .then(function (data) { render(field, data.findings || []); })
      .catch(function () { /* offline: the check on submit still applies */ });
  }

  fields.forEach(function (field) {
    var timer = null;
    var last = field.value;
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (field.value === last) return;
        last = field.value;
        check(field);
      }, 500);
    });
    if (field.value) check(field);
  });
})();
