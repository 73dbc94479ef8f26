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
