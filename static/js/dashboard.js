/* The dashboard's charts. Every <canvas data-chart="ID"> is drawn from the Chart.js configuration in
   the json_script element with that ID (no inline scripts; the tables beside the charts carry the same
   figures for screen readers and for print). Any dashboard section can use it. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var config;
    try {
      config = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    config.options = config.options || {};
    if (reduceMotion) { config.options.animation = false; }
    config.options.responsive = true;
    new window.Chart(canvas, config);
    canvas.setAttribute("data-chart-ready", "1");
  });
})();
