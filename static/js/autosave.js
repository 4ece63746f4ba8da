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

  // Each autosave sends only what was changed (the option chosen, or the note typed or shared) with the
  // server's revision of it that this page saw: the server stores it only if nobody changed it
  // since (another device or tab), and never says "Saved" otherwise.
  document.addEventListener('htmx:configRequest', function (event) {
    var fieldset = event.detail.elt;
    if (!statusOf(fieldset)) return;
    var params = event.detail.parameters;
    var trigger = event.detail.triggeringEvent && event.detail.triggeringEvent.target;
    // The share checkbox goes with its note (both are the note's revision), never with the option.
    if (trigger && trigger.type === 'radio') {
      delete params[fieldset.dataset.evidenceName];
      if (fieldset.dataset.shareName) delete params[fieldset.dataset.shareName];
    }
    if (trigger && (trigger.tagName === 'TEXTAREA' || trigger.type === 'checkbox')) delete params[fieldset.dataset.answerName];
    params.answer_rev = fieldset.dataset.answerRev || '0';
    params.note_rev = fieldset.dataset.noteRev || '0';
  });

  // The server's new revisions, for this checkpoint's next save.
  document.addEventListener('htmx:afterRequest', function (event) {
    var fieldset = event.detail.elt;
    var xhr = event.detail.xhr;
    // After a refusal the page keeps what it saw, so it cannot overwrite the other change unseen.
    if (!statusOf(fieldset) || !xhr || !event.detail.successful) return;
    var answerRev = xhr.getResponseHeader('X-Answer-Revision');
    var noteRev = xhr.getResponseHeader('X-Note-Revision');
    if (answerRev) fieldset.dataset.answerRev = answerRev;
    if (noteRev) fieldset.dataset.noteRev = noteRev;
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
    if (xhr && xhr.status === 412) {
      show(status, 'failed', 'Not saved: this answer was changed on another device or tab. Reload the page to see it, then answer again.');
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
