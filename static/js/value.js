// The value report: a "Print, or save as PDF" button (no inline handlers: the CSP forbids them).
document.querySelectorAll("[data-value-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
