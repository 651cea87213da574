// The dashboard page: subscribes to the operator's snapshot stream (Server-Sent Events) and draws
// each snapshot as SVG. No framework and no third-party code: the page is served by the operator
// under a strict Content-Security-Policy, and loads nothing from elsewhere.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#1971c2', '#e8590c', '#2f9e44', '#9c36b5', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];
const RESOURCE_LABELS = { cpu: 'cpu', memory: 'memory', gpu: 'gpu' };

const escapeMap = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Everything from the API is text to show, never markup. */
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => escapeMap[c]);
}
function pct(share) {
  return share === null || share === undefined ? 'n/a' : `${Math.round(share * 100)}%`;
}
function money(value) {
  return `$${(value ?? 0).toFixed(value >= 100 ? 0 : 2)}`;
}
function bytes(value) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}
function amount(resource, value) {
  if (resource === 'memory') return bytes(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
/** Light green for idle through yellow to red for full; grey where the node has none. */
function heatColor(share) {
  if (share === null || share === undefined) return '#eef0f3';
  const s = Math.max(0, Math.min(1, share));
  const hue = 130 - 130 * s;
  const light = 90 - 42 * s;
  return `hsl(${hue.toFixed(0)}, 70%, ${light.toFixed(0)}%)`;
}
function colorOf(index) {
  return PALETTE[index % PALETTE.length];
}
function svg(width, height, body, label) {
  return `<svg xmlns="${SVG}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}
function bar(x, y, width, height, share, label) {
  const filled = Math.max(0, Math.min(1, share ?? 0)) * width;
  return `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="3" fill="#eef0f3"/>` +
    `<rect x="${x}" y="${y}" width="${filled.toFixed(1)}" height="${height}" rx="3" fill="${heatColor(share)}"><title>${esc(label)}</title></rect>`;
}

/** The time axis of a history: its first sample to now (at least a second wide). */
function timeDomain(series, now) {
  const t0 = series[0].t;
  return [t0, Math.max(now, series[series.length - 1].t, t0 + 1000)];
}
/** A step line through the samples that have a value, held to the axis' end (t1). */
function stepPath(series, value, x, y, t1) {
  let d = '';
  for (const sample of series) {
    const v = value(sample);
    if (v === undefined) continue;
    d += d === '' ? `M${x(sample.t).toFixed(1)},${y(v).toFixed(1)}` : `H${x(sample.t).toFixed(1)}V${y(v).toFixed(1)}`;
  }
  return d === '' ? d : `${d}H${x(t1).toFixed(1)}`;
}

function renderTotals(totals) {
  const items = [
    ['nodes ready', `${totals.readyNodes}/${totals.nodes}`],
    ['cost per hour', money(totals.costPerHour)],
    ['spent', money(totals.spentUsd)],
    ['active tasks', totals.activeTasks],
    ['running', totals.runningSubtasks],
    ['pending', totals.pendingSubtasks],
  ];
  document.getElementById('totals').innerHTML = items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
}

function renderHeatmap(heatmap) {
  const element = document.getElementById('heatmap');
  if (heatmap.rows.length === 0) {
    element.innerHTML = '<p class="muted">no nodes yet</p>';
    return;
  }
  const labelWidth = 300;
  const cellWidth = 96;
  const rowHeight = 22;
  const top = 20;
  let y = top;
  let lastPool;
  let body = heatmap.resources.map((r, i) => `<text x="${labelWidth + i * cellWidth + cellWidth / 2}" y="14" text-anchor="middle" class="muted">${esc(RESOURCE_LABELS[r] ?? r)}</text>`).join('');
  for (const row of heatmap.rows) {
    if (row.pool !== lastPool) {
      lastPool = row.pool;
      body += `<text x="0" y="${y + 14}" font-weight="600">${esc(row.pool ?? 'no pool')}</text>`;
      y += rowHeight;
    }
    const full = `${row.node}${row.ready ? '' : ' (not ready)'}${row.gpuProduct ? ` · ${row.gpuProduct}` : ''}`;
    const shown = full.length > 44 ? `${full.slice(0, 43)}…` : full;
    body += `<text x="12" y="${y + 15}"${row.ready ? '' : ' class="muted"'}>${esc(shown)}<title>${esc(full)}</title></text>`;
    heatmap.resources.forEach((resource, i) => {
      const cell = row.cells[resource];
      const x = labelWidth + i * cellWidth;
      const detail = cell.share === null ? `${resource}: none on this node` : `${resource}: ${amount(resource, cell.requested)} of ${amount(resource, cell.allocatable)} requested`;
      body += `<g data-node="${esc(row.node)}" data-resource="${esc(resource)}" data-share="${cell.share === null ? '' : cell.share.toFixed(4)}">` +
        `<rect x="${x + 2}" y="${y + 1}" width="${cellWidth - 4}" height="${rowHeight - 2}" rx="3" fill="${heatColor(cell.share)}"><title>${esc(`${row.node} ${detail}`)}</title></rect>` +
        `<text x="${x + cellWidth / 2}" y="${y + 15}" text-anchor="middle">${pct(cell.share)}</text></g>`;
    });
    y += rowHeight;
  }
  element.innerHTML = svg(labelWidth + heatmap.resources.length * cellWidth + 4, y + 4, body, 'utilization heatmap');
}

/** A step line per pool over time, with decision markers, and the latest decisions as a table. */
function renderScaling(scaling, pools, now) {
  const chart = document.getElementById('scaling-chart');
  const series = scaling.series;
  const names = pools.map((p) => p.name);
  if (series.length === 0 || names.length === 0) {
    chart.innerHTML = '<p class="muted">no history yet</p>';
  } else {
    const width = 900;
    const height = 190;
    const left = 40;
    const right = 130;
    const top = 10;
    const bottom = 24;
    const [t0, t1] = timeDomain(series, now);
    const maxNodes = Math.max(1, ...series.flatMap((s) => Object.values(s.pools).map((p) => p.nodes)), ...pools.map((p) => p.nodes));
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
    const y = (n) => top + (1 - n / maxNodes) * (height - top - bottom);
    let body = '';
    for (let n = 0; n <= maxNodes; n += Math.max(1, Math.ceil(maxNodes / 4))) {
      body += `<line x1="${left}" x2="${width - right}" y1="${y(n)}" y2="${y(n)}" stroke="#e1e4ea"/><text x="${left - 6}" y="${y(n) + 4}" text-anchor="end" class="muted">${n}</text>`;
    }
    body += `<text x="${left}" y="${height - 6}" class="muted">${esc(clock(t0))}</text><text x="${width - right}" y="${height - 6}" text-anchor="end" class="muted">${esc(clock(t1))}</text>`;
    names.forEach((name, i) => {
      const d = stepPath(series, (sample) => sample.pools[name]?.nodes, x, y, t1);
      body += `<path d="${d}" fill="none" stroke="${colorOf(i)}" stroke-width="2" data-pool="${esc(name)}"/>`;
      body += `<rect x="${width - right + 12}" y="${top + i * 18}" width="10" height="10" fill="${colorOf(i)}"/><text x="${width - right + 26}" y="${top + i * 18 + 9}">${esc(name)}</text>`;
    });
    for (const decision of scaling.decisions) {
      const t = Date.parse(decision.time ?? '');
      if (!Number.isFinite(t) || t < t0) continue;
      const i = Math.max(0, names.indexOf(decision.pool));
      const up = decision.action === 'scaleUp';
      const cx = x(t);
      const cy = height - bottom;
      const shape = up ? `M${cx - 5},${cy} L${cx + 5},${cy} L${cx},${cy - 8} Z` : `M${cx - 5},${cy - 8} L${cx + 5},${cy - 8} L${cx},${cy} Z`;
      body += `<path d="${shape}" fill="${colorOf(i)}" data-decision="${esc(decision.action)}"><title>${esc(`${decision.pool} ${decision.action} ${decision.count ?? ''}: ${decision.reason ?? ''}`)}</title></path>`;
    }
    chart.innerHTML = svg(width, height, body, 'nodes per pool over time');
  }
  const rows = scaling.decisions.slice(0, 10).map((d) =>
    `<tr data-action="${esc(d.action)}"><td>${esc(d.time ? clock(Date.parse(d.time)) : '')}</td><td>${esc(d.pool)}</td><td class="action-${esc(d.action)}">${esc(d.action)}</td><td>${esc(d.count ?? '')}</td><td>${esc(d.reason ?? '')}</td></tr>`);
  document.getElementById('scaling-decisions').innerHTML = rows.length === 0
    ? '<tbody><tr><td class="muted">no scaling decisions yet</td></tr></tbody>'
    : `<thead><tr><th>time</th><th>pool</th><th>action</th><th>nodes</th><th>reason</th></tr></thead><tbody>${rows.join('')}</tbody>`;
}

function renderAllocation(pools) {
  const element = document.getElementById('allocation');
  if (pools.length === 0) {
    element.innerHTML = '<p class="muted">no WorkerPools</p>';
    return;
  }
  element.innerHTML = pools.map((pool) => {
    const resources = ['cpu', 'memory', 'gpu'];
    const body = resources.map((r, i) => {
      const cell = pool.allocation[r];
      const label = cell.share === null ? `${r}: none` : `${r}: ${amount(r, cell.requested)} of ${amount(r, cell.allocatable)}`;
      return `<text x="0" y="${i * 20 + 13}" class="muted">${r}</text>${bar(60, i * 20 + 2, 260, 14, cell.share, label)}<text x="330" y="${i * 20 + 13}">${esc(cell.share === null ? 'n/a' : `${pct(cell.share)} · ${label.slice(r.length + 2)}`)}</text>`;
    }).join('');
    const desired = pool.desiredNodes === null ? '' : `, want ${pool.desiredNodes}`;
    return `<div class="pool" data-pool="${esc(pool.name)}"><div class="pool-head"><strong>${esc(pool.name)}</strong>` +
      `<span class="muted">${esc(pool.provider)} · ${esc(pool.hardware)} · ${pool.readyNodes}/${pool.nodes} ready${esc(desired)} (${pool.minNodes}–${pool.maxNodes}) · ${money(pool.costPerHour)}/h</span></div>` +
      svg(480, 62, body, `${pool.name} allocation`) + '</div>';
  }).join('');
}

function renderEfficiency(views) {
  const element = document.getElementById('efficiency');
  if (views.length === 0) {
    element.innerHTML = '<p class="muted">no usage reported yet: workers report it when subtasks finish</p>';
    return;
  }
  element.innerHTML = views.map((view) => {
    const cpu = view.cpu.ratio === null ? 'no cpu figures' : `${pct(view.cpu.ratio)} of requested core-seconds`;
    const memory = view.memory.ratio === null ? 'no memory figures' : `${pct(view.memory.ratio)} of requested memory at peak`;
    const body = `<text x="0" y="13" class="muted">cpu</text>${bar(60, 2, 260, 14, view.cpu.ratio, cpu)}<text x="330" y="13">${esc(cpu)}</text>` +
      `<text x="0" y="33" class="muted">memory</text>${bar(60, 22, 260, 14, view.memory.ratio, memory)}<text x="330" y="33">${esc(memory)}</text>`;
    return `<div class="pool" data-scope="${esc(view.scope)}"><div class="pool-head"><strong>${esc(view.scope === 'all' ? 'all pools' : view.scope)}</strong><span class="muted">${view.subtasks} subtasks</span></div>${svg(560, 40, body, `${view.scope} efficiency`)}</div>`;
  }).join('');
}

function renderCost(series, totals, pools, now) {
  const element = document.getElementById('cost');
  if (series.length === 0) {
    element.innerHTML = '<p class="muted">no history yet</p>';
    return;
  }
  const width = 480;
  const height = 150;
  const left = 48;
  const top = 10;
  const bottom = 22;
  const [t0, t1] = timeDomain(series, now);
  const maxCost = Math.max(0.01, ...series.map((s) => s.costPerHour));
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - 8);
  const y = (c) => top + (1 - c / maxCost) * (height - top - bottom);
  let body = `<line x1="${left}" x2="${width - 8}" y1="${y(0)}" y2="${y(0)}" stroke="#e1e4ea"/><line x1="${left}" x2="${width - 8}" y1="${y(maxCost)}" y2="${y(maxCost)}" stroke="#e1e4ea"/>` +
    `<text x="${left - 6}" y="${y(0) + 4}" text-anchor="end" class="muted">$0</text><text x="${left - 6}" y="${y(maxCost) + 4}" text-anchor="end" class="muted">${esc(money(maxCost))}</text>` +
    `<text x="${left}" y="${height - 4}" class="muted">${esc(clock(t0))}</text><text x="${width - 8}" y="${height - 4}" text-anchor="end" class="muted">${esc(clock(t1))}</text>`;
  const line = (value, color, key) => {
    const d = stepPath(series, value, x, y, t1);
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${key === 'total' ? 2.5 : 1.2}" data-series="${esc(key)}"/>`;
  };
  pools.forEach((pool, i) => {
    body += line((s) => s.pools[pool.name]?.costPerHour, colorOf(i), pool.name);
  });
  body += line((s) => s.costPerHour, '#1d2330', 'total');
  element.innerHTML = svg(width, height, body, 'cost per hour over time') +
    `<p data-testid="spent">now ${esc(money(totals.costPerHour))}/h · spent ${esc(money(totals.spentUsd))} since ${esc(clock(t0))}</p>`;
}

function renderTasks(tasks) {
  const element = document.getElementById('tasks');
  if (tasks.length === 0) {
    element.innerHTML = '<p class="muted">no tasks</p>';
    return;
  }
  const rows = tasks.map((task) => {
    const done = task.completed + task.failed + task.cancelled;
    const body = `<rect x="0" y="3" width="160" height="12" rx="3" fill="#eef0f3"/>` +
      `<rect x="0" y="3" width="${(160 * (task.total > 0 ? task.completed / task.total : 0)).toFixed(1)}" height="12" rx="3" fill="#2f9e44"/>` +
      `<rect x="${(160 * (task.total > 0 ? task.completed / task.total : 0)).toFixed(1)}" y="3" width="${(160 * (task.total > 0 ? (task.failed + task.cancelled) / task.total : 0)).toFixed(1)}" height="12" fill="#c92a2a"/>`;
    return `<tr data-task="${esc(`${task.namespace}/${task.name}`)}" data-phase="${esc(task.phase)}"><td>${esc(task.namespace)}/<strong>${esc(task.name)}</strong></td><td>${esc(task.strategy)}</td>` +
      `<td class="phase ${esc(task.phase)}">${esc(task.phase)}</td><td>${svg(160, 18, body, `${task.name} progress`)}</td>` +
      `<td>${done}/${task.total}</td><td>${task.running} running · ${task.pending} pending</td></tr>`;
  });
  element.innerHTML = `<table><thead><tr><th>task</th><th>strategy</th><th>phase</th><th>progress</th><th>done</th><th>now</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

let received = 0;
function render(snapshot) {
  const now = Date.parse(snapshot.time);
  renderTotals(snapshot.totals);
  renderHeatmap(snapshot.heatmap);
  renderScaling(snapshot.scaling, snapshot.pools, now);
  renderAllocation(snapshot.pools);
  renderEfficiency(snapshot.efficiency);
  renderCost(snapshot.scaling.series, snapshot.totals, snapshot.pools, now);
  renderTasks(snapshot.tasks);
  received++;
  const updated = document.getElementById('updated');
  updated.textContent = `updated ${clock(now)}`;
  // For tests and for people: how many snapshots this page has drawn.
  document.body.dataset.snapshots = String(received);
}

function setConnection(state) {
  const pill = document.getElementById('connection');
  pill.className = `pill ${state}`;
  pill.textContent = state;
}

function connect() {
  const events = new EventSource('events');
  events.addEventListener('open', () => setConnection('live'));
  // EventSource reconnects by itself (after the server's retry delay); the pill says so.
  events.addEventListener('error', () => setConnection(events.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  events.addEventListener('snapshot', (event) => {
    try {
      render(JSON.parse(event.data));
      setConnection('live');
    } catch (error) {
      console.error('bad snapshot', error);
    }
  });
}

connect();
