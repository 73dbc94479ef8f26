// Millwright web: small progressive enhancements; every page works without them.
(function () {
  // Ask before an action that cannot be undone (buttons with data-confirm).
  document.addEventListener('submit', function (e) {
    var b = e.submitter;
    if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) { e.preventDefault(); }
  });
  // A barcode scanner types the part number and presses Enter: keep the
  // focus in the part field after an issue so the next scan goes there.
  var part = document.querySelector('[data-scan]');
  if (part && location.search.indexOf('notice=issued') >= 0) { part.focus(); }
})();

// Live figures: an element with data-refresh="SECONDS" and an id is
// fetched again from the same URL every so often and swapped in place,
// so the controller's chart and the integration lists follow the ledger
// and the outbox without a reload. Paused while the tab is hidden.
(function () {
  document.querySelectorAll('[data-refresh][id]').forEach(function (el) {
    var every = Math.max(2, parseInt(el.dataset.refresh, 10) || 10) * 1000;
    var id = el.id;
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(id);
          var cur = document.getElementById(id);
          if (fresh && cur && fresh.innerHTML !== cur.innerHTML) { cur.replaceWith(fresh); }
        })
        .catch(function () {});
    }, every);
  });
})();
/* ---- ui-admin ---- */
// The PM plan form shows the fields of the chosen trigger kind only; without
// JavaScript it shows them all, and the server reads those of the kind.
(function () {
  var kind = document.getElementById("plan-kind");
  if (!kind) return;
  function show() {
    document.querySelectorAll(".trigger[data-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind").split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
/* ---- ui-masterdata ---- */
// The BOM form: "Add a line" copies the last line, empty, with the next
// number, so a long BOM needs no saving in between. Without it the form
// offers two empty lines and two more after each save.
(function () {
  var add = document.getElementById('bom-add');
  var list = document.getElementById('bom-lines');
  var rows = document.getElementById('bom-rows');
  if (!add || !list || !rows || !list.lastElementChild) { return; }
  add.hidden = false;
  add.addEventListener('click', function () {
    var n = parseInt(rows.value, 10);
    var line = list.lastElementChild.cloneNode(true);
    line.dataset.row = n;
    line.querySelectorAll('.field-error, .meta').forEach(function (el) { el.remove(); });
    line.querySelectorAll('[name^="remove_"]').forEach(function (el) { el.closest('.check').remove(); });
    line.querySelectorAll('[id], [name], [for]').forEach(function (el) {
      ['id', 'name', 'for'].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) { el.setAttribute(a, v.replace(/\d+$/, n)); }
      });
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
    });
    line.querySelectorAll('input').forEach(function (el) {
      if (el.type === 'checkbox') { el.checked = false; } else { el.value = ''; }
    });
    list.appendChild(line);
    rows.value = n + 1;
    line.querySelector('input').focus();
  });
})();

/* ---- ui-planner ---- */
// The planning board: drop a card on a technician or a day and the card's
// own assign form (CSRF token and all) is filled in and sent, so a drop
// does exactly what the form's Save button does without JavaScript.
(function () {
  var board = document.getElementById('board');
  if (!board) { return; }
  var say = document.getElementById('drop-status');
  board.addEventListener('dragstart', function (e) {
    var card = e.target.closest && e.target.closest('[data-wo]');
    if (!card || !e.dataTransfer) { return; }
    e.dataTransfer.setData('text/plain', card.dataset.wo);
    e.dataTransfer.effectAllowed = 'move';
  });
  document.querySelectorAll('[data-drop-assign], [data-drop-day]').forEach(function (zone) {
    zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', function () { zone.classList.remove('over'); });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      zone.classList.remove('over');
      var id = e.dataTransfer && e.dataTransfer.getData('text/plain');
      var form = id && document.getElementById('assign-form-' + id);
      if (!form) { return; }
      if (zone.hasAttribute('data-drop-assign')) {
        var who = zone.getAttribute('data-drop-assign');
        var sel = form.elements.assigned_to;
        var ok = Array.prototype.some.call(sel.options, function (o) { return o.value === who; });
        if (!ok) {
          if (say) { say.textContent = who + ' does not work at this work order\'s site; pick a technician of its site.'; }
          return;
        }
        sel.value = who;
      } else {
        form.elements.scheduled_on.value = zone.getAttribute('data-drop-day');
      }
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });
})();

/* ---- ui-phone ---- */
// The phone work order: open the sheet the URL names (#labor) after an
// action, run the timer, keep the step ticks on this phone, scan part
// labels with the camera where the browser can, and stop a photo that is
// too large before it is sent. The page works without any of it.
(function () {
  var page = document.querySelector('.phone[data-wo]');
  if (!page) { return; }
  function openSheet() {
    var el = location.hash && document.getElementById(location.hash.slice(1));
    if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView({ block: 'start' }); }
  }
  window.addEventListener('hashchange', openSheet);
  openSheet();

  // Timer: time since work started or was last logged, and the hours to log.
  var elapsed = document.getElementById('elapsed');
  var hours = document.getElementById('labor-hours');
  var typed = false;
  if (hours) { hours.addEventListener('input', function () { typed = true; }); }
  function tick() {
    var since = Date.parse(elapsed.dataset.since);
    var mins = Math.max(0, Math.floor((Date.now() - since) / 60000));
    var q = Math.min(96, Math.max(1, Math.ceil(mins / 15)));
    elapsed.textContent = Math.floor(mins / 60) + ' h ' + ('0' + (mins % 60)).slice(-2) + ' min';
    if (hours && !typed && !hours.getAttribute('aria-invalid')) { hours.value = String(q / 4); }
  }
  if (elapsed) { tick(); setInterval(tick, 30000); }

  // Job steps: ticks kept in this browser, per work order.
  var key = 'mw-steps-' + page.dataset.wo;
  var done = {};
  try { done = JSON.parse(localStorage.getItem(key) || '{}'); } catch (e) { done = {}; }
  page.querySelectorAll('[data-step]').forEach(function (box) {
    box.checked = !!done[box.dataset.step];
    box.addEventListener('change', function () {
      done[box.dataset.step] = box.checked;
      try { localStorage.setItem(key, JSON.stringify(done)); } catch (e) {}
    });
  });

  // A scanner types the code and presses Enter, which sends the form; the
  // camera does the same where the browser has BarcodeDetector.
  var cam = document.getElementById('issue-camera');
  var part = document.getElementById('issue-part');
  if (part && location.hash === '#issue') { part.focus(); } // ready for the next scan
  if (cam && part && 'BarcodeDetector' in window && navigator.mediaDevices) {
    cam.hidden = false;
    cam.addEventListener('click', function () {
      var video = document.createElement('video');
      video.setAttribute('playsinline', '');
      video.setAttribute('aria-label', 'Camera: point it at the part label');
      cam.after(video);
      var detector = new window.BarcodeDetector();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
        video.srcObject = stream;
        video.play();
        var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.remove(); };
        var look = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) { stop(); part.value = codes[0].rawValue; part.form.requestSubmit(); return; }
            setTimeout(look, 250);
          }).catch(function () { setTimeout(look, 500); });
        };
        look();
      }).catch(function () { video.remove(); cam.hidden = true; part.focus(); });
    });
  }

  var photo = document.getElementById('photo-photo');
  if (photo) {
    photo.addEventListener('change', function () {
      var max = (parseInt(photo.dataset.max, 10) || 5) * 1048576;
      var f = photo.files && photo.files[0];
      photo.setCustomValidity(f && f.size > max ? 'This photo is larger than ' + photo.dataset.max + ' MB; take one at a smaller size.' : '');
      photo.reportValidity();
    });
  }
})();
