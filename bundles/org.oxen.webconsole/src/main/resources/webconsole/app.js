// oxen web console: polls /api (every request carries the token's cookie), draws the charts,
// and attaches a domain's console over a WebSocket. Loads nothing from anywhere else.
'use strict';
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
let consoleSocket = null;
let consoleDomid = null;
const decoder = new TextDecoder('utf-8');

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'color') e.style.color = v; else if (k.startsWith('on')) e.addEventListener(k.substring(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, options) {
  const r = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { 'X-Requested-With': 'oxen' } }, options || {}));
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
  return { status: r.status, body };
}

async function action(id, verb) {
  const out = document.getElementById('action-result');
  const r = await api(`/api/domains/${id}/${verb}`, { method: 'POST' });
  out.className = 'result' + (r.status === 200 ? '' : ' error');
  out.textContent = r.body.command ? `${r.body.command}: status ${r.body.status} ${r.body.out}${r.body.err}` : r.body.error;
  refresh();
}

function renderDomains(list) {
  const tbody = document.querySelector('#domains tbody');
  tbody.replaceChildren(...list.map(d => el('tr', { 'data-domid': d.id, 'data-name': d.name },
    el('td', { class: 'num' }, d.id), el('td', { class: 'name' }, d.name), el('td', { class: 'state' }, d.state),
    el('td', { class: 'num' }, Math.floor(d.memoryKiB / 1024)), el('td', { class: 'num' }, d.vcpus),
    el('td', { class: 'num' }, d.cpuPercent.toFixed(1)), el('td', { class: 'num' }, d.cpuSeconds.toFixed(1)),
    el('td', {}, d.pool), el('td', {}, d.scheduler),
    el('td', {},
      el('button', { class: 'console', onclick: () => attach(d.id, d.name) }, 'console'),
      el('button', { class: 'pause', onclick: () => action(d.id, 'pause') }, 'pause'),
      el('button', { class: 'unpause', onclick: () => action(d.id, 'unpause') }, 'unpause'),
      el('button', { class: 'shutdown', onclick: () => action(d.id, 'shutdown') }, 'shutdown'),
      el('button', { class: 'destroy', onclick: () => action(d.id, 'destroy') }, 'destroy')))));
}

function renderPools(p) {
  document.querySelector('#pools tbody').replaceChildren(...p.pools.map(pool => el('tr', {},
    el('td', {}, pool.name), el('td', {}, pool.scheduler), el('td', {}, pool.cpus),
    el('td', {}, pool.domains.map(d => `${d.name} (${Object.entries(d.params).map(([k, v]) => k + '=' + v).join(' ')})`).join(', ')))));
  document.getElementById('schedulers').replaceChildren(...p.schedulers.map(s => el('li', {},
    `${s.name}${s.default ? ' (default)' : ''}: ${s.description}; parameters: ${s.params.map(x => x.name).join(', ') || 'none'}`)));
}

function drawChart(canvas, series, colors) {
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  let max = 1;
  for (const s of series) for (const v of s) max = Math.max(max, v);
  g.strokeStyle = '#ddd'; g.fillStyle = '#666'; g.font = '10px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = canvas.height - 12 - (canvas.height - 24) * i / 4;
    g.beginPath(); g.moveTo(30, y); g.lineTo(canvas.width, y); g.stroke();
    g.fillText((max * i / 4).toFixed(max < 10 ? 1 : 0), 0, y + 3);
  }
  series.forEach((s, k) => {
    g.strokeStyle = colors[k % colors.length]; g.lineWidth = 1.5; g.beginPath();
    s.forEach((v, i) => {
      const x = 30 + (canvas.width - 32) * i / Math.max(1, 119);
      const y = canvas.height - 12 - (canvas.height - 24) * v / max;
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  });
}

function renderStats(history) {
  const names = new Map();
  for (const s of history) for (const d of s.domains) names.set(d.id, d.name);
  const ids = [...names.keys()];
  const cpu = ids.map(id => history.map(s => (s.domains.find(d => d.id === id) || { cpu: 0 }).cpu));
  drawChart(document.getElementById('cpu-chart'), cpu, COLORS);
  document.getElementById('cpu-legend').replaceChildren(...ids.map((id, k) =>
    el('span', { color: COLORS[k % COLORS.length] }, names.get(id))));
  const sum = f => history.map(s => s.domains.reduce((a, d) => a + d[f], 0));
  drawChart(document.getElementById('rate-chart'), [sum('hypercalls'), sum('sent'), sum('delivered')], COLORS);
}

function renderJobs(list) {
  const tbody = document.querySelector('#jobs tbody');
  if (list.length === 0) {
    tbody.replaceChildren(el('tr', { class: 'none' }, el('td', { colspan: 5 }, 'none running')));
    return;
  }
  tbody.replaceChildren(...list.map(j => el('tr', { 'data-job': j.id, 'data-kind': j.kind },
    el('td', {}, j.kind), el('td', {}, j.subject),
    el('td', {}, el('progress', { max: 100, value: Math.round(j.fraction * 100) }),
      el('span', { class: 'pct' }, j.total > 0 ? ` ${(j.fraction * 100).toFixed(0)}% (${(j.done / 1048576).toFixed(1)} of ${(j.total / 1048576).toFixed(1)} MiB)` : ` ${(j.done / 1048576).toFixed(1)} MiB`)),
    el('td', {}, j.phase), el('td', { class: 'num' }, j.seconds.toFixed(1)))));
}

async function refresh() {
  try {
    const [d, p, s, j] = await Promise.all([api('/api/domains'), api('/api/pools'), api('/api/stats'), api('/api/jobs')]);
    if (j.status === 200) renderJobs(j.body);
    if (d.status !== 200) { document.getElementById('status').textContent = `error ${d.status}`; return; }
    renderDomains(d.body);
    renderPools(p.body);
    renderStats(s.body);
    document.getElementById('status').textContent = `${d.body.length} domains · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    document.getElementById('status').textContent = 'disconnected';
  }
}

function termWrite(text) {
  const t = document.getElementById('terminal');
  t.textContent += text.replace(/\r\n/g, '\n').replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  if (t.textContent.length > 200000) t.textContent = t.textContent.slice(-100000);
  t.scrollTop = t.scrollHeight;
}

function attach(id, name) {
  if (consoleSocket) consoleSocket.close();
  document.getElementById('terminal').textContent = '';
  document.getElementById('console-name').textContent = `${name} (${id})`;
  consoleDomid = id;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/${id}`);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = m => termWrite(typeof m.data === 'string' ? m.data : decoder.decode(m.data, { stream: true }));
  ws.onclose = e => { if (consoleSocket === ws) termWrite(`\n[console closed${e.reason ? ': ' + e.reason : ''}]\n`); };
  consoleSocket = ws;
  document.getElementById('terminal').focus();
}

function send(text) {
  if (consoleSocket && consoleSocket.readyState === WebSocket.OPEN) consoleSocket.send(text);
}

document.getElementById('terminal').addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Enter') send('\r');
  else if (e.key === 'Backspace') send('\x7f');
  else if (e.key.length === 1) send(e.key);
  else return;
  e.preventDefault();
});

document.getElementById('console-form').addEventListener('submit', e => {
  e.preventDefault();
  const input = document.getElementById('console-input');
  send(input.value + '\r');
  input.value = '';
});

document.getElementById('create-form').addEventListener('submit', async e => {
  e.preventDefault();
  const paused = document.getElementById('create-paused').checked ? '?paused=1' : '';
  const r = await api('/api/domains' + paused, { method: 'POST', body: document.getElementById('create-config').value,
    headers: { 'Content-Type': 'text/plain', 'X-Requested-With': 'oxen' } });
  const out = document.getElementById('create-result');
  out.className = 'result' + (r.status === 201 ? '' : ' error');
  out.textContent = r.status === 201 ? `created ${r.body.name} (id ${r.body.domid})${r.body.warnings.map(w => '\nWARNING: ' + w).join('')}` : r.body.error;
  refresh();
});

refresh();
setInterval(refresh, 1000);
