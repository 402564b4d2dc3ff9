/* The vibrancy sliders: live values, "not rated yet" boxes that follow the slider, and saving
   without a reload. Without this script the page is a plain form that posts and redirects. */
(function () {
  "use strict";
  var form = document.querySelector("[data-vibrancy-form]");
  if (!form) { return; }
  var status = document.getElementById("vibrancy-status");
  var MAX = 10;

  document.querySelectorAll("[data-nojs-hint]").forEach(function (el) { el.hidden = true; });
  document.querySelectorAll("[data-js-hint]").forEach(function (el) { el.hidden = false; });

  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "small" + (kind ? " text-" + kind : "");
  }

  function render(slider) {
    var range = slider.querySelector("[data-range]");
    var box = slider.querySelector("[data-unrated]");
    var output = slider.querySelector("[data-output]");
    var unrated = box && box.checked;
    output.textContent = unrated ? "–" : range.value;
    range.setAttribute("aria-valuetext", unrated ? "not rated yet" : range.value + " out of " + MAX);
    slider.classList.toggle("is-unrated", !!unrated);
  }

  function clearError(slider) {
    var range = slider.querySelector("[data-range]");
    range.classList.remove("is-invalid");
    var error = slider.querySelector(".invalid-feedback");
    if (error) { error.remove(); }
  }

  document.querySelectorAll("[data-slider]").forEach(function (slider) {
    var range = slider.querySelector("[data-range]");
    var box = slider.querySelector("[data-unrated]");
    var shown = slider.querySelector("[data-shown]");
    range.addEventListener("input", function () {
      // Moving the slider is rating it.
      if (box) { box.checked = false; }
      clearError(slider);
      render(slider);
      say("Unsaved changes.");
    });
    if (box) {
      box.addEventListener("change", function () {
        // Ticking "not rated yet" on purpose: the position the server compares with is the current one.
        if (shown) { shown.value = range.value; }
        clearError(slider);
        render(slider);
        say("Unsaved changes.");
      });
    }
    render(slider);
  });
  form.querySelectorAll("textarea").forEach(function (area) {
    area.addEventListener("input", function () { say("Unsaved changes."); });
  });

  function showErrors(errors) {
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (!input) { return; }
      var holder = input.closest("[data-slider]") || input.parentElement;
      input.classList.add("is-invalid");
      var message = errors[name].join(" ");
      var el = holder.querySelector(".invalid-feedback");
      if (!el) {
        el = document.createElement("div");
        el.className = "invalid-feedback d-block";
        el.id = input.id + "-error";
        holder.appendChild(el);
        var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (described.indexOf(el.id) < 0) { described.push(el.id); }
        input.setAttribute("aria-describedby", described.join(" "));
      }
      el.textContent = message;
    });
  }

  var saving = false;
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) { return; } // plain form post
    event.preventDefault();
    if (saving) { return; }
    saving = true;
    say("Saving…");
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.data.ok) {
        form.querySelectorAll("[data-slider]").forEach(function (slider) {
          var shown = slider.querySelector("[data-shown]");
          var range = slider.querySelector("[data-range]");
          if (shown) { shown.value = range.value; }
          clearError(slider);
        });
        say(result.data.message, "success");
      } else {
        showErrors(result.data.errors);
        say(result.data.message || "Nothing was saved.", "danger");
      }
    }).catch(function () {
      say("Could not reach the portal; nothing was saved. Check your connection and save again.", "danger");
    }).then(function () {
      saving = false;
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });
})();
