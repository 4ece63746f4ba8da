// The trend per phase across rounds on an organisation's team page: <canvas data-chart> with
// type "phase-trend" (other chart types are built by charts.js). Lines are split where the
// questionnaire changed, so a version break never reads as a trend.
(function () {
  'use strict';
  var palette = ['#1d4ed8', '#b45309', '#166534', '#7c3aed', '#be123c', '#0e7490'];

  function build(root) {
    if (typeof Chart === 'undefined') return;
    root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var spec = JSON.parse(canvas.dataset.chart);
      if (spec.type !== 'phase-trend') return;
      new Chart(canvas, {
        type: 'line',
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d) {
            var colour = palette[d.phase % palette.length];
            return { label: d.label, data: d.data, borderColor: colour, backgroundColor: colour, spanGaps: false, pointRadius: 4 };
          }),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { min: 0, max: 100, title: { display: true, text: 'Score (0–100)' } } },
          plugins: {
            legend: {
              position: 'bottom',
              // One legend entry per phase, not per questionnaire segment.
              labels: { filter: function (item, data) { return data.datasets[item.datasetIndex] && spec.datasets[item.datasetIndex].first; } },
            },
          },
        },
      });
      canvas.dataset.chartReady = 'true';
    });
  }

  if (window.htmx) htmx.onLoad(build);
  else document.addEventListener('DOMContentLoaded', function () { build(document); });
})();
