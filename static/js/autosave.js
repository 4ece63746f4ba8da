// Autosave feedback for checkpoint fieldsets (htmx does the saving).
// Saving… while a request is in flight, the server's "Saved" on success, and a
// retry button when a save fails, so nobody leaves believing an answer is stored when it is not.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function statusOf(elt) {
    return elt && elt.matches && elt.matches('fieldset.checkpoint') ? elt.querySelector('.save-status') : null;
  }

  function show(status, state, text) {
    status.replaceChildren();
    var span = document.createElement('span');
    span.className = 'save-state save-state-' + state;
    span.textContent = text;
    status.appendChild(span);
    return span;
  }

  // Each autosave carries when it was made, so a late request never overwrites a newer answer.
  document.addEventListener('htmx:configRequest', function (event) {
    if (statusOf(event.detail.elt)) event.detail.parameters.rev = String(Date.now());
  });

  document.addEventListener('htmx:beforeRequest', function (event) {
    var status = statusOf(event.detail.elt);
    if (status) show(status, 'saving', 'Saving…');
  });

  function failed(event) {
    var fieldset = event.detail.elt;
    var status = statusOf(fieldset);
    if (!status) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 403) {
      // The page's security token has expired: a retry would fail the same way.
      show(status, 'failed', 'Not saved: this page has expired. Reload it to keep saving (saved answers are kept).');
      return;
    }
    if (xhr && xhr.status === 409) {
      show(status, 'failed', 'Not saved: answers can no longer be changed here.');
      return;
    }
    var span = show(status, 'failed', 'Not saved. ');
    var retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'button small';
    retry.textContent = 'Retry';
    retry.addEventListener('click', function () {
      htmx.trigger(fieldset, 'change');
    });
    span.appendChild(retry);
  }
  document.addEventListener('htmx:responseError', failed);
  document.addEventListener('htmx:sendError', failed);
  document.addEventListener('htmx:timeout', failed);

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (target && target.closest && target.closest('[data-print]')) window.print();
    var pause = target && target.closest && target.closest('[data-pause-live]');
    if (pause) {
      var paused = pause.getAttribute('aria-pressed') !== 'true';
      pause.setAttribute('aria-pressed', String(paused));
      pause.textContent = paused ? 'Resume live updates' : 'Pause live updates';
    }
  });

  // A paused live view keeps what it shows (people reading it, or a screen reader, are not interrupted).
  document.addEventListener('htmx:beforeRequest', function (event) {
    var pause = document.querySelector('[data-pause-live]');
    if (pause && pause.getAttribute('aria-pressed') === 'true' && event.detail.elt.id === 'live') event.preventDefault();
  });
})();
