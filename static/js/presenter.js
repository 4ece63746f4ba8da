// Presenter mode: the arrow keys follow the Previous / Next links (plain links without JavaScript).
(function () {
  'use strict';
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = event.key === 'ArrowRight' || event.key === 'PageDown' ? 'next' : event.key === 'ArrowLeft' || event.key === 'PageUp' ? 'prev' : null;
    if (!rel) return;
    var link = document.querySelector('.presenter-nav a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
