/**
 * The page's only script, served as /static/desk.js (the CSP allows scripts from the page's own
 * origin and nothing inline). It is a string here so every build (tsx, jest, the CLI bundles)
 * carries it without a file loader. Plain ES2017, no template literals; it reads what the
 * server put in data attributes and never builds markup from text: it swaps in the server's
 * escaped HTML (parsed inertly by DOMParser) and sets textContent.
 *
 * - countdowns tick every second against the server's clock (`.server-now`, which the local
 *   stack's `sesdesk clock` may have moved), and a deadline that passes marks its row BREACHED;
 * - `time[data-viewer]` gets the viewer's own local time beside the desk's;
 * - every `data-poll-ms` the live part (#live) is fetched again and swapped in.
 */
export const DESK_SCRIPT = String.raw`(function () {
  'use strict';
  var body = document.body;
  var pollMs = Math.max(1000, Number(body.getAttribute('data-poll-ms')) || 5000);
  var deskZone = body.getAttribute('data-desk-zone') || 'UTC';
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  var skew = 0;
  var refreshes = 0;
  var viewerFormat = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: viewerZone, timeZoneName: 'short'
  });

  function duration(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm';
    var h = Math.floor(m / 60);
    if (h < 24) return h + 'h ' + (m % 60 < 10 ? '0' : '') + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }

  function readServerClock(root) {
    var mark = root.querySelector('.server-now');
    var at = mark ? Date.parse(mark.getAttribute('data-now')) : NaN;
    if (!isNaN(at)) skew = at - Date.now();
  }

  function viewerTimes(root) {
    if (viewerZone === deskZone) return;
    root.querySelectorAll('time[data-viewer]').forEach(function (el) {
      var next = el.nextElementSibling;
      if (next && next.classList.contains('viewer-time')) return;
      var at = Date.parse(el.getAttribute('datetime'));
      if (isNaN(at)) return;
      var span = document.createElement('span');
      span.className = 'viewer-time';
      span.textContent = ' (' + viewerFormat.format(new Date(at)) + ' yours)';
      el.after(span);
    });
  }

  function markBreached(countdown) {
    var row = countdown.closest('tr.ticket');
    var holder = row ? row.querySelector('td.markers') : countdown.parentElement;
    if (row) row.classList.add('overdue');
    if (!holder || holder.querySelector('[data-breach-marker]')) return;
    var marker = document.createElement('span');
    marker.className = 'marker breached';
    marker.setAttribute('data-breach-marker', '');
    marker.textContent = 'BREACHED';
    if (row) holder.prepend(marker); else countdown.after(' ', marker);
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll('.countdown[data-due]').forEach(function (el) {
      var due = Date.parse(el.getAttribute('data-due'));
      if (isNaN(due)) return;
      var left = due - now;
      el.textContent = left > 0 ? 'in ' + duration(left) : 'overdue ' + duration(-left);
      if (left <= 0 && !el.classList.contains('overdue')) {
        el.classList.add('overdue');
        markBreached(el);
      }
    });
  }

  function status(text) {
    var el = document.getElementById('live-status');
    if (el) el.textContent = text;
  }

  function refresh() {
    if (document.hidden) return Promise.resolve();
    return fetch(location.href, { headers: { 'X-Desk-Partial': '1' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
        var current = document.getElementById('live');
        if (!fresh || !current) throw new Error('no live part in the answer');
        current.replaceWith(document.adoptNode(fresh));
        readServerClock(fresh);
        viewerTimes(fresh);
        tick();
        refreshes += 1;
        body.setAttribute('data-refreshes', String(refreshes));
        status('');
      })
      .catch(function (error) {
        status('not updated: ' + error.message + ' (retrying)');
      });
  }

  function loop() {
    setTimeout(function () { refresh().then(loop); }, pollMs);
  }

  var zone = document.querySelector('.viewer-zone');
  if (zone && viewerZone !== deskZone) zone.textContent = ' (yours: ' + viewerZone + ')';
  readServerClock(document);
  viewerTimes(document);
  tick();
  setInterval(tick, 1000);
  loop();
})();
`;
