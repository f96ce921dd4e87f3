// The report page's one script (perspectives app). The page works without it: forms post and
// the server answers. With it: a file over the limit is refused before it is sent, the drop
// box shows a file dragged over it, the build's progress updates itself, and focus goes to the
// step the page was sent to. Every text it shows comes from the page (already translated) or
// from /status, and is set as text, never as markup.
(function () {
  'use strict';

  function say(element, text) {
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1);
  }

  var form = document.getElementById('upload-form');
  var input = document.getElementById('upload-file');
  var status = document.getElementById('upload-status');
  if (form && input) {
    var limit = parseInt(form.getAttribute('data-limit'), 10);
    form.addEventListener('submit', function (event) {
      var file = input.files && input.files[0];
      if (!file) {
        event.preventDefault();
        say(status, form.getAttribute('data-no-file'));
        input.focus();
        return;
      }
      if (file.size > limit) {
        event.preventDefault();
        say(status, form.getAttribute('data-too-large').replace('{name}', file.name + ' (' + megabytes(file.size) + ' MB)'));
        input.focus();
        return;
      }
      say(status, form.getAttribute('data-sending').replace('{name}', file.name));
    });
    ['dragenter', 'dragover'].forEach(function (name) {
      input.addEventListener(name, function () { form.classList.add('dragging'); });
    });
    ['dragleave', 'drop'].forEach(function (name) {
      input.addEventListener(name, function () { form.classList.remove('dragging'); });
    });
  }

  // A step the server sent the page to (#check, #progress, #downloads): focus its heading, so
  // that a screen reader starts there and the keyboard continues from there.
  if (location.hash) {
    var target = document.getElementById(location.hash.slice(1));
    var heading = target && (target.matches('h2, h3') ? target : target.querySelector('h2, h3'));
    if (heading) {
      heading.focus();
    }
  }

  var progress = document.getElementById('progress');
  if (progress && ['starting', 'running', 'printing'].indexOf(progress.getAttribute('data-state')) >= 0) {
    var text = document.getElementById('progress-text');
    var bar = document.getElementById('progress-bar');
    var poll = function () {
      fetch(progress.getAttribute('data-url'), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (state.finished || state.state === 'none') {
            say(text, state.text || '');
            // The downloads are part of the page: show it again, at them.
            history.replaceState(null, '', '/#' + (state.state === 'done' ? 'downloads' : 'progress'));
            location.reload();
            return;
          }
          say(text, state.text);
          if (bar) {
            bar.max = state.total || 1;
            bar.value = state.done;
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
}());
