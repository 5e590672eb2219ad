import { createHash } from 'node:crypto';

/*
 * The status page: one HTML document with its style and script inline, so the
 * service serves it without a build step or any file beside the code, and a
 * browser needs nothing from elsewhere. The script polls /api/status and puts
 * every value into the page as text (textContent, text nodes, attributes),
 * never as markup; search highlights arrive as plain/match runs and become
 * <mark> elements here.
 */

const STYLE = String.raw`
:root { color-scheme: light dark; --fg: #1d2433; --muted: #5f6b7a; --bg: #f5f6f8; --card: #fff; --line: #dde1e6;
  --ok: #1a7f37; --bad: #c0262d; --warn: #9a6700; --run: #0b63c4; --idle: #6e7781; --mark: #ffe58a; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e7ed; --muted: #9aa4b1; --bg: #14171c; --card: #1c2027; --line: #2e343d;
    --ok: #4ac26b; --bad: #f27d7d; --warn: #d9a93a; --run: #6cb0ff; --idle: #8b949e; --mark: #6b5a12; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--card); }
header.top h1 { font-size: 1.15rem; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.2rem 3rem; display: grid; gap: 1rem; }
.muted { color: var(--muted); }
.empty { margin: 1rem 1.2rem 0; }
.banner { margin: .8rem 1.2rem 0; padding: .5rem .8rem; border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; background: var(--card); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; }
.card-head { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .8rem; }
.card-head h2 { font-size: 1.05rem; margin: 0; }
.card-head .meta { flex: 1 1 auto; }
.actions { display: flex; gap: .4rem; }
button { font: inherit; padding: .2rem .7rem; border: 1px solid var(--line); border-radius: 5px; background: var(--bg); color: var(--fg); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--run); }
button:disabled { opacity: .55; cursor: default; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-ok { color: var(--ok); } .s-bad { color: var(--bad); } .s-warn { color: var(--warn); } .s-run { color: var(--run); } .s-idle { color: var(--idle); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .6rem 0 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.error { margin: .6rem 0 0; padding: .4rem .6rem; border-left: 3px solid var(--bad); color: var(--bad); overflow-wrap: anywhere; white-space: pre-wrap; }
.note { margin: .5rem 0 0; color: var(--run); }
.note.failed { color: var(--bad); }
h3 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: .9rem 0 .3rem; }
.job { border: 1px solid var(--line); border-radius: 6px; padding: .45rem .6rem; margin-bottom: .4rem; }
.job-line { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .7rem; }
.job-line .grow { flex: 1 1 auto; }
.job progress { width: 100%; height: .6rem; margin-top: .35rem; }
.count { font-variant-numeric: tabular-nums; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .2rem .5rem .2rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
td.n { text-align: right; font-variant-numeric: tabular-nums; padding-right: 1rem; }
td.err { color: var(--bad); max-width: 28rem; overflow-wrap: anywhere; }
.search { margin-top: .9rem; border-top: 1px solid var(--line); padding-top: .7rem; }
.search form { display: flex; gap: .4rem; }
.search input { flex: 1 1 auto; font: inherit; padding: .25rem .5rem; border: 1px solid var(--line); border-radius: 5px; background: var(--bg); color: var(--fg); }
ol.hits { list-style: none; padding: 0; margin: .5rem 0 0; display: grid; gap: .45rem; }
.hit-title { font-weight: 600; overflow-wrap: anywhere; }
.hit-id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem; color: var(--muted); overflow-wrap: anywhere; }
.frag { overflow-wrap: anywhere; }
.frag .field { color: var(--muted); font-size: .8rem; margin-right: .4rem; }
mark { background: var(--mark); color: inherit; padding: 0 .1em; border-radius: 2px; }
`;

// Plain ES2020 for any current browser. No template literals: this text lives in one.
const SCRIPT = String.raw`
'use strict';
(function () {
  var POLL_MS = 1500;
  var RATE_WINDOW_MS = 30000;
  var cards = new Map();
  var samples = new Map();
  var notes = new Map();
  var actions = false;
  var timer = null;
  var polling = false;
  var again = false;
  var main = document.getElementById('connectors');

  function h(tag, props) {
    var e = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'class') e.className = v;
        else if (k === 'on') Object.keys(v).forEach(function (t) { e.addEventListener(t, v[t]); });
        else e.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  function add(parent, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(parent, c); }); return; }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function num(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  }
  function span(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60 ? (s % 60) + ' s' : '');
    if (s < 172800) return Math.floor(s / 3600) + ' h ' + (Math.floor(s / 60) % 60) + ' min';
    return Math.floor(s / 86400) + ' days';
  }
  function time(iso) {
    var t = Date.parse(iso);
    if (!iso || isNaN(t)) return null;
    return t;
  }
  function ago(iso) {
    var t = time(iso);
    if (t === null) return '–';
    var d = Date.now() - t;
    return d >= 0 ? span(d).trim() + ' ago' : 'in ' + span(-d).trim();
  }
  function stamp(iso) {
    var t = time(iso);
    return t === null ? '' : new Date(t).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  }
  function words(s) { return String(s || '').replace(/_/g, ' '); }
  function tone(status) {
    switch (status) {
      case 'connected': case 'completed': return 's-ok';
      case 'error': return 's-bad';
      case 'in_progress': return 's-run';
      case 'pending': case 'suspended': case 'canceling': case 'configured': case 'needs_configuration': return 's-warn';
      default: return 's-idle';
    }
  }
  function badge(status, role) {
    return h('span', { class: 'badge ' + tone(status), 'data-role': role, 'data-status': status }, words(status) || 'never');
  }

  function showBanner(text) {
    var b = document.getElementById('banner');
    b.hidden = !text;
    b.textContent = text || '';
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }
  function pollSoon() {
    if (polling) again = true;
    else schedule(0);
  }

  function poll() {
    if (document.hidden) { schedule(POLL_MS); return; }
    polling = true;
    fetch('api/status', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (report) {
        render(report);
        showBanner(report.service.problem ? 'The service reports a problem: ' + report.service.problem : null);
      }, function (err) {
        showBanner('No status from the service: ' + err.message + ' (retrying)');
      })
      .then(function () {
        polling = false;
        schedule(again ? 0 : POLL_MS);
        again = false;
      });
  }

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (b) {
          if (!res.ok) throw new Error(b && b.error ? b.error : 'HTTP ' + res.status);
          return b;
        });
      });
  }

  function setNote(id, text, failed) {
    notes.set(id, { text: text, failed: !!failed, until: Date.now() + 15000 });
  }
  function act(button, id, path, body, done) {
    button.disabled = true;
    post(path, body).then(function (r) { setNote(id, done(r), false); }, function (err) { setNote(id, err.message, true); })
      .then(function () { pollSoon(); });
  }

  function render(report) {
    actions = !!report.service.actions;
    var list = report.connectors || [];
    document.getElementById('summary').textContent =
      list.length + (list.length === 1 ? ' connector' : ' connectors') + ' served · ' +
      (actions ? 'sync and cancel enabled' : 'read-only') + ' · updated ' + new Date().toLocaleTimeString();
    var seen = new Set();
    list.forEach(function (c, i) {
      seen.add(c.id);
      var card = cards.get(c.id);
      if (!card) { card = newCard(c); cards.set(c.id, card); }
      if (main.children[i] !== card.root) main.insertBefore(card.root, main.children[i] || null);
      fill(card, c);
    });
    cards.forEach(function (card, id) {
      if (!seen.has(id)) { card.root.remove(); cards.delete(id); }
    });
    var running = new Set();
    list.forEach(function (c) { c.running.forEach(function (j) { running.add(j.id); }); });
    samples.forEach(function (_, key) { if (!running.has(key.split(':')[0])) samples.delete(key); });
    var empty = document.getElementById('empty');
    empty.hidden = list.length > 0;
  }

  function newCard(c) {
    var live = h('div', { class: 'live' });
    var input = h('input', { type: 'search', name: 'q', maxlength: 200, placeholder: 'Search the index', 'aria-label': 'Search the index of ' + c.id, autocomplete: 'off' });
    var results = h('div', { class: 'results', 'aria-live': 'polite' });
    var seq = 0;
    var form = h('form', { class: 'search-form', on: { submit: function (ev) {
      ev.preventDefault();
      var q = input.value.trim();
      if (!q) return;
      var mine = ++seq;
      results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
      var params = new URLSearchParams({ connector: c.id, q: q, size: '10' });
      fetch('api/search?' + params.toString(), { headers: { accept: 'application/json' } })
        .then(function (res) {
          return res.json().catch(function () { return null; }).then(function (b) {
            if (!res.ok) throw new Error(b && b.error ? b.error : 'HTTP ' + res.status);
            return b;
          });
        })
        .then(function (answer) { if (mine === seq) showHits(results, answer); },
          function (err) { if (mine === seq) results.replaceChildren(h('p', { class: 'error', 'data-role': 'search-error' }, err.message)); });
    } } }, input, h('button', { type: 'submit' }, 'Search'));
    var root = h('section', { class: 'card', 'data-connector': c.id }, live, h('div', { class: 'search' }, form, results));
    return { root: root, live: live, input: input };
  }

  function showHits(out, a) {
    var summary = a.total === 0 ? 'No hits' : num(a.total) + (a.total_relation === 'gte' ? '+' : '') + (a.total === 1 ? ' hit' : ' hits');
    var parts = [h('p', { class: 'muted', 'data-role': 'search-summary' }, summary + ' in ' + a.index + ' (' + a.took_ms + ' ms)' + (a.note ? ' — ' + a.note : ''))];
    if (a.hits.length) {
      parts.push(h('ol', { class: 'hits' }, a.hits.map(function (hit) {
        return h('li', { class: 'hit', 'data-id': hit._id },
          h('div', { class: 'hit-title' }, hit.title || hit._id),
          h('div', { class: 'hit-id' }, hit._id),
          hit.highlight.map(function (f) {
            return h('div', { class: 'frag' }, h('span', { class: 'field' }, f.field),
              f.fragments.map(function (runs, i) {
                return [i ? ' … ' : '', runs.map(function (r) { return r.match ? h('mark', null, r.text) : r.text; })];
              }));
          }));
      })));
    }
    out.replaceChildren();
    add(out, parts);
  }

  function scheduleText(s) {
    if (!s.enabled) return 'off';
    return 'on · ' + (s.interval || '?') + (s.next_run ? ' · next ' + ago(s.next_run) : '');
  }

  function rate(job, kind, value) {
    var now = Date.now();
    var key = job.id + (kind ? ':' + kind : '');
    var list = samples.get(key);
    if (!list) { list = []; samples.set(key, list); }
    var n = kind ? value : job.indexed_document_count;
    var last = list[list.length - 1];
    if (!last || last.n !== n) list.push({ t: now, n: n });
    while (list.length > 2 && now - list[0].t > RATE_WINDOW_MS) list.shift();
    if (list.length >= 2) {
      var a = list[0], b = list[list.length - 1];
      if (b.t > a.t) return (b.n - a.n) * 1000 / (b.t - a.t);
    }
    var started = time(job.started_at);
    if (started !== null && n > 0 && now > started) return n * 1000 / (now - started);
    return null;
  }

  function runningJob(c, j) {
    var r = j.status === 'in_progress' ? rate(j) : null;
    var p = j.progress || {};
    var pct = null;
    if (p.estimated_rows > 0 && typeof p.rows_read === 'number') pct = Math.min(99.9, p.rows_read * 100 / p.estimated_rows);
    else if (p.tables_total > 0 && typeof p.tables_done === 'number') pct = Math.min(99.9, p.tables_done * 100 / p.tables_total);
    var eta = null;
    // Rows left over the rate rows are read at (rules may exclude many of them from the index).
    var rr = j.status === 'in_progress' && typeof p.rows_read === 'number' ? rate(j, 'read', p.rows_read) : null;
    if (rr && rr > 0 && p.estimated_rows > 0 && p.estimated_rows > p.rows_read) {
      eta = (p.estimated_rows - p.rows_read) / rr * 1000;
    }
    var facts = [
      h('span', { class: 'count', 'data-role': 'indexed', 'data-count': j.indexed_document_count }, num(j.indexed_document_count)), ' indexed',
      j.deleted_document_count ? ' · ' + num(j.deleted_document_count) + ' deleted' : '',
      r !== null ? h('span', { 'data-role': 'rate' }, ' · ≈ ' + num(r) + ' docs/s') : '',
      p.table ? h('span', { 'data-role': 'table' }, ' · reading ' + p.table + (p.tables_total ? ' (table ' + Math.min(p.tables_total, (p.tables_done || 0) + 1) + ' of ' + p.tables_total + ')' : '')) : '',
      pct !== null ? h('span', { 'data-role': 'percent' }, ' · ' + pct.toFixed(pct < 10 ? 1 : 0) + ' %') : '',
      eta !== null ? h('span', { 'data-role': 'eta' }, ' · about ' + span(eta).trim() + ' left') : ''
    ];
    var cancel = actions && (j.status === 'in_progress' || j.status === 'pending' || j.status === 'suspended')
      ? h('button', { type: 'button', 'data-action': 'cancel', 'data-job': j.id, on: { click: function (ev) {
          act(ev.currentTarget, c.id, 'api/jobs/' + encodeURIComponent(j.id) + '/cancel', {}, function (res) {
            return res.status === 'canceled' ? 'Job ' + j.id + ' canceled' : 'Cancel requested for job ' + j.id;
          });
        } } }, 'Cancel')
      : null;
    return h('div', { class: 'job', 'data-job': j.id, 'data-status': j.status },
      h('div', { class: 'job-line' },
        h('strong', null, j.job_type + ' sync'), badge(j.status, 'job-status'),
        h('span', { class: 'muted grow' }, words(j.trigger_method) + ' · ' + (j.started_at ? 'started ' + ago(j.started_at) : 'queued ' + ago(j.created_at))),
        cancel),
      h('div', { class: 'job-facts' }, facts),
      pct !== null ? h('progress', { max: 100, value: pct.toFixed(1) }) : null,
      j.error ? h('div', { class: 'error' }, j.error) : null);
  }

  function recentTable(jobs) {
    if (!jobs.length) return h('p', { class: 'muted' }, 'No sync jobs yet.');
    return h('table', { 'data-role': 'recent' },
      h('thead', null, h('tr', null, ['Created', 'Type', 'Trigger', 'Status', 'Took', 'Indexed', 'Deleted', 'Error'].map(function (t) { return h('th', null, t); }))),
      h('tbody', null, jobs.map(function (j) {
        var start = time(j.started_at), end = time(j.completed_at);
        var took = start !== null ? span((end !== null ? end : Date.now()) - start).trim() + (end === null ? ' so far' : '') : '–';
        var err = j.error || '';
        return h('tr', { 'data-job': j.id, 'data-status': j.status },
          h('td', { title: stamp(j.created_at) }, ago(j.created_at)),
          h('td', null, j.job_type),
          h('td', null, words(j.trigger_method)),
          h('td', null, badge(j.status, 'job-status')),
          h('td', null, took),
          h('td', { class: 'n' }, num(j.indexed_document_count)),
          h('td', { class: 'n' }, num(j.deleted_document_count)),
          h('td', { class: 'err', title: err.length > 200 ? err : null }, err.length > 200 ? err.slice(0, 199) + '…' : err));
      })));
  }

  function fill(card, c) {
    var buttons = null;
    if (actions) {
      var syncing = function (type) {
        return { click: function (ev) {
          act(ev.currentTarget, c.id, 'api/connectors/' + encodeURIComponent(c.id) + '/sync', { job_type: type }, function (r) {
            return 'Queued a ' + r.job_type + ' sync (job ' + r.job_id + ')';
          });
        } };
      };
      buttons = h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-action': 'sync-full', on: syncing('full') }, 'Full sync'),
        c.incremental_sync ? h('button', { type: 'button', 'data-action': 'sync-incremental', on: syncing('incremental') }, 'Incremental sync') : null);
    }
    var last = c.last_sync_status
      ? [badge(c.last_sync_status, 'last-sync'), ' ', c.last_synced ? ago(c.last_synced) : '',
         c.last_indexed_document_count !== null ? ' · ' + num(c.last_indexed_document_count) + ' indexed, ' + num(c.last_deleted_document_count || 0) + ' deleted' : '']
      : h('span', { class: 'muted', 'data-role': 'last-sync' }, 'never synced');
    var note = notes.get(c.id);
    if (note && note.until < Date.now()) { notes.delete(c.id); note = null; }
    // Through add(): replaceChildren itself would turn a null into the text "null".
    card.live.replaceChildren();
    add(card.live, [
      h('div', { class: 'card-head' },
        h('h2', null, c.name), badge(c.status, 'status'),
        h('span', { class: 'meta muted' }, c.id + (c.service_type ? ' · ' + c.service_type : '') + ' · index ' + (c.index_name || '–')),
        buttons),
      h('dl', { class: 'facts' },
        h('dt', null, 'Last sync'), h('dd', { title: stamp(c.last_synced) }, last),
        h('dt', null, 'Full sync'), h('dd', { 'data-role': 'schedule-full' }, scheduleText(c.scheduling.full)),
        h('dt', null, 'Incremental'), h('dd', { 'data-role': 'schedule-incremental' }, c.incremental_sync ? scheduleText(c.scheduling.incremental) : 'not supported'),
        h('dt', null, 'Checked in'), h('dd', { title: stamp(c.last_seen) }, ago(c.last_seen))),
      c.error ? h('div', { class: 'error', 'data-role': 'connector-error' }, c.error) : null,
      !c.error && c.last_sync_error ? h('div', { class: 'error', 'data-role': 'last-sync-error' }, 'Last sync: ' + c.last_sync_error) : null,
      note ? h('p', { class: 'note' + (note.failed ? ' failed' : ''), 'data-role': 'note' }, note.text) : null,
      h('h3', null, 'Running'),
      c.running.length ? h('div', { 'data-role': 'running' }, c.running.map(function (j) { return runningJob(c, j); })) : h('p', { class: 'muted' }, 'Nothing running.'),
      h('h3', null, 'Recent jobs'),
      recentTable(c.recent)]);
    card.input.placeholder = 'Search ' + (c.index_name || 'the index') + ' (any field)';
  }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) pollSoon(); });
  poll();
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connector service status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header class="top"><h1>Connector service</h1><span id="summary" class="muted">Loading…</span></header>
<div id="banner" class="banner" role="alert" hidden></div>
<p id="empty" class="empty muted" hidden>This process serves no connector yet (CONNECTOR_IDS, or CONNECTORS_SERVICE_TYPES in worker mode).</p>
<main id="connectors"></main>
<script>${SCRIPT}</script>
</body>
</html>
`;

// Only this page's own style and script may run: a value that ever slipped into
// the markup could not execute.
const CSP = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function statusPage(): { html: string; csp: string } {
  return { html: HTML, csp: CSP };
}
