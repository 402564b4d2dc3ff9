// One post per submit: while a form's POST is in flight its submit buttons are disabled, so a double
// click sends it once (the server also answers a repeated token with the first result).
// Disabled a tick after the submit event: the browser has then read the clicked button's name and value
// (e.g. "preview"), and a handler that cancelled the submit (a confirm dialog) has had its say.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
    return;
  }
  window.setTimeout(() => {
    if (event.defaultPrevented) {
      return;
    }
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')) {
      button.disabled = true;
      button.dataset.submitOnce = "disabled";
    }
  }, 0);
});

// Back to a page from the browser's cache: its buttons work again.
window.addEventListener("pageshow", () => {
  for (const button of document.querySelectorAll('[data-submit-once="disabled"]')) {
    button.disabled = false;
    delete button.dataset.submitOnce;
    button.form?.removeAttribute("aria-busy");
  }
});
