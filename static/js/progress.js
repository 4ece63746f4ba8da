// Progress pills follow autosaves: when a checkpoint on this page gets its first saved answer,
// the current phase's "answered / total" goes up by one (a reload shows the same from the server).
(function () {
  'use strict';
  function answered(fieldset) {
    return Boolean(fieldset.querySelector('input[type="radio"]:checked'));
  }
  var counted = new WeakSet();
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('fieldset.checkpoint').forEach(function (fieldset) {
      if (answered(fieldset)) counted.add(fieldset);
    });
  });
  document.addEventListener('htmx:afterRequest', function (event) {
    var fieldset = event.detail.elt;
    if (!event.detail.successful || !fieldset.matches || !fieldset.matches('fieldset.checkpoint')) return;
    if (counted.has(fieldset) || !answered(fieldset)) return;
    counted.add(fieldset);
    var count = document.querySelector('.progress a[aria-current] .progress-count');
    if (!count || !count.firstChild) return;
    var match = /^(\d+)\/(\d+)$/.exec(count.firstChild.textContent.trim());
    if (!match) return;
    var done = Math.min(Number(match[1]) + 1, Number(match[2]));
    count.firstChild.textContent = done + '/' + match[2];
    if (done === Number(match[2])) count.closest('.progress-step').classList.add('is-complete');
  });
})();
