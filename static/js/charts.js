// Builds charts from <canvas data-chart="…"> that the server renders; runs on
// page load and on every htmx swap, so no inline script is ever needed.
(function () {
  'use strict';

  function phaseScores(canvas, spec) {
    var styles = getComputedStyle(document.documentElement);
    var prereqColour = styles.getPropertyValue('--chart-prerequisites').trim() || '#1d4ed8';
    var execColour = styles.getPropertyValue('--chart-execution').trim() || '#b45309';
    return new Chart(canvas, {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: [
          { label: 'Prerequisites', data: spec.prerequisites, backgroundColor: prereqColour },
          { label: 'Execution', data: spec.execution, backgroundColor: execColour },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: 'Score (0–100)' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  var builders = { 'phase-scores': phaseScores };

  function build(root) {
    if (typeof Chart === 'undefined') return;
    root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var spec = JSON.parse(canvas.dataset.chart);
      var builder = builders[spec.type];
      if (!builder) return;
      builder(canvas, spec);
      canvas.dataset.chartReady = 'true';
    });
  }

  // A polled view swaps its charts every few seconds: free each old one, or a long workshop leaks them.
  document.addEventListener('htmx:beforeCleanupElement', function (event) {
    var element = event.detail.elt;
    if (typeof Chart === 'undefined' || !element.querySelectorAll) return;
    var canvases = element.matches('canvas[data-chart]') ? [element] : element.querySelectorAll('canvas[data-chart]');
    Array.prototype.forEach.call(canvases, function (canvas) {
      var chart = Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });

  if (window.htmx) htmx.onLoad(build);
  else document.addEventListener('DOMContentLoaded', function () { build(document); });
})();
