// The requests the node served: the live request log with a details panel (its routing
// decision), the usage figures per model, and the charts (uPlot). Figures carry data-field like the
// other views: "usage:PATH" is GET /api/v1/usage, "requests:PATH" GET /api/v1/requests; a name with
// dots in a path is written {name}.
import { Component, h } from './vendor/preact.js';
import { useEffect, useRef, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { num } from './lib/format.js';
import { visibleRequests } from './lib/state.js';
import { Field, useDrawer } from './views.js';
import { WINDOW_MINUTES, rttColumns, usageSeries } from './lib/series.js';

const html = htm.bind(h);
/** Rows of the request log drawn at first; "Show more" adds as many (the log keeps 500). */
const ROWS = 100;

function ms(value) {
  return typeof value === 'number' && value >= 0 ? `${value} ms` : '—';
}

export function Requests({ state, node }) {
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState(null);
  const usage = state.data.usage || {};
  const total = (usage.sinceStart || {}).total || {};
  const byModel = (usage.sinceStart || {}).byModel || {};
  const [shown, setShown] = useState(ROWS);
  const matching = visibleRequests(state.requests, filter);
  const rows = matching.slice(0, shown);
  const showPrompts = (state.data.requests || {}).showPrompts;
  return html`
    <section aria-labelledby="requests-h">
      <h2 id="requests-h">Requests</h2>
      <p class="summary">${'Since the node started: '}<${Field} at="usage:sinceStart.total.requests" value=${total.requests} />${' requests, '}<${Field} at="usage:sinceStart.total.errors" value=${total.errors} />${' failed, '}<${Field} at="usage:sinceStart.total.failovers" value=${total.failovers} />${' after a failover, '}<${Field} at="usage:sinceStart.total.tokensIn" value=${total.tokensIn} />${' tokens in, '}<${Field} at="usage:sinceStart.total.tokensOut" value=${total.tokensOut} />${' tokens out. '}${showPrompts ? html`<span class="tag">prompts are kept (ui.show-prompts)</span>` : ''}</p>
      ${Object.keys(byModel).length > 0 && html`
      <table class="usage">
        <thead><tr><th scope="col">Model</th><th scope="col">Requests</th><th scope="col">Failed</th><th scope="col">Failovers</th>
          <th scope="col">Tokens in</th><th scope="col">Tokens out</th><th scope="col">p50</th><th scope="col">p99</th></tr></thead>
        <tbody>${Object.entries(byModel).map(([model, f]) => {
          const at = `usage:sinceStart.byModel.{${model}}`;
          return html`<tr key=${model} data-model=${model}>
            <td>${model}</td><td><${Field} at=${`${at}.requests`} value=${f.requests} /></td><td><${Field} at=${`${at}.errors`} value=${f.errors} /></td>
            <td><${Field} at=${`${at}.failovers`} value=${f.failovers} /></td><td><${Field} at=${`${at}.tokensIn`} value=${f.tokensIn} /></td>
            <td><${Field} at=${`${at}.tokensOut`} value=${f.tokensOut} /></td>
            <td><${Field} at=${`${at}.latencyMs.p50`} value=${f.latencyMs.p50} unit="ms" /></td>
            <td><${Field} at=${`${at}.latencyMs.p99`} value=${f.latencyMs.p99} unit="ms" /></td></tr>`;
        })}</tbody>
      </table>`}
      <label for="request-filter">Filter</label>
      <input id="request-filter" type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} placeholder="client, model, route, status, failover…" />
      ${state.requests.length === 0 ? html`<p>No requests yet. Clients send them to <code>${location.origin}/v1</code>.</p>` : html`
      <table class="requests">
        <thead><tr><th scope="col">Time</th><th scope="col">Client</th><th scope="col">Asked</th><th scope="col">Route</th><th scope="col">First token</th>
          <th scope="col">Total</th><th scope="col">Tokens in/out</th><th scope="col">Status</th></tr></thead>
        <tbody>${rows.map((r) => html`<${RequestRow} key=${r.requestId} r=${r} onOpen=${setOpen} />`)}</tbody>
      </table>
      ${matching.length > rows.length && html`<button type="button" onClick=${() => setShown(shown + ROWS)}>Show more (${matching.length - rows.length} older)</button>`}`}
      ${open && html`<${RequestDrawer} id=${open} node=${node} summary=${state.requests.find((r) => r.requestId === open)} onClose=${() => setOpen(null)} />`}
    </section>`;
}

/** One row of the request log; drawn again only when its request changed (the log grows by hundreds a second). */
class RequestRow extends Component {
  shouldComponentUpdate(next) {
    return next.r !== this.props.r;
  }

  render({ r, onOpen }) {
    return html`
      <tr data-request=${r.requestId} tabIndex="0" aria-label=${`request ${r.requestId}, ${r.route || 'not served'}`}
          class=${r.error || r.status >= 400 ? 'failed' : ''}
          onClick=${() => onOpen(r.requestId)} onKeyDown=${(e) => e.key === 'Enter' && onOpen(r.requestId)}>
        <td><time datetime=${r.at}>${new Date(r.at).toLocaleTimeString()}</time></td>
        <td>${r.client}</td>
        <td>${r.modelAsked}${r.stream ? html` <span class="tag">stream</span>` : ''}</td>
        <td><code data-route>${r.route || '—'}</code>${r.failover && r.failover.length ? html` <span class="tag warn" data-failover>failover</span>` : ''}</td>
        <td>${ms(r.firstTokenMs)}</td>
        <td>${ms(r.totalMs)}</td>
        <td><span data-tokens-in>${r.tokensIn}</span> / <span data-tokens-out>${r.tokensOut}</span></td>
        <td data-status>${r.status}${r.error ? html` <span class="error">${r.error}</span>` : ''}</td>
      </tr>`;
  }
}

function RequestDrawer({ id, node, summary, onClose }) {
  const [full, setFull] = useState(null);
  const [error, setError] = useState('');
  const close = useDrawer(onClose, id);
  useEffect(() => {
    setFull(null);
    node.getJson(`/api/v1/requests/${encodeURIComponent(id)}`).then(setFull).catch((e) => setError(e.message));
  }, [id]);
  const r = full || summary || {};
  const d = r.decision;
  return html`
    <aside class="drawer" role="dialog" aria-modal="false" aria-labelledby="request-h" data-request-details=${id}>
      <h3 id="request-h">Request <code>${id}</code></h3>
      <button type="button" class="close" ref=${close} onClick=${onClose} aria-label="Close the details">Close</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <dl>
        <dt>Client</dt><dd>${r.client}</dd>
        <dt>Endpoint</dt><dd>${r.endpoint}${r.stream ? ' (streamed)' : ''}</dd>
        <dt>Model asked</dt><dd>${r.modelAsked}</dd>
        <dt>Served by</dt><dd><code>${r.route || '—'}</code></dd>
        <dt>Tried before</dt><dd>${r.failover && r.failover.length ? html`<ul class="failover">${r.failover.map((f) => html`<li>${f}</li>`)}</ul>` : 'nothing: the first route served it'}</dd>
        <dt>First token</dt><dd>${ms(r.firstTokenMs)}</dd>
        <dt>Total</dt><dd>${ms(r.totalMs)}</dd>
        <dt>Tokens</dt><dd>${r.tokensIn} in, ${r.tokensOut} out</dd>
        <dt>Status</dt><dd>${r.status}${r.error ? ` — ${r.error}` : ''}</dd>
      </dl>
      ${d && html`<${Decision} decision=${d} />`}
      ${r.prompt !== undefined && html`<h4>Prompt</h4><pre>${r.prompt}</pre>`}
      ${r.answer !== undefined && html`<h4>Answer</h4><pre>${r.answer}</pre>`}
    </aside>`;
}

/** A routing decision: the winner with its similarity and each cost term as a bar, then the runners-up. */
export function Decision({ decision }) {
  const winner = decision.winner;
  const all = winner ? [winner, ...(decision.runnersUp || [])] : decision.runnersUp || [];
  const terms = [...new Set(all.flatMap((c) => Object.keys(c.costTerms || {})))];
  const widest = Math.max(1e-9, ...all.flatMap((c) => Object.values(c.costTerms || {}).map(Math.abs)));
  return html`
    <div class="decision">
      <p>${decision.reason}</p>
      ${(decision.tasks || []).length > 0 && html`<p class="muted">Task: <strong data-task>${decision.tasks[0].task}</strong>
        (${decision.tasks.slice(0, 3).map((t) => `${t.task} ${num(round3(t.score))}`).join(', ')})</p>`}
      <ol class="candidates">${all.map((c, i) => html`
        <li key=${c.capability.id} data-candidate=${i === 0 && winner ? 'winner' : 'runner-up'}>
          <strong data-candidate-route data-node=${c.capability.nodeId} data-model=${c.capability.name}>${c.capability.nodeId}/${(c.capability.metadata || {}).remoteBackend || (c.capability.metadata || {}).backend || "?"}/${c.capability.name}</strong>
          ${i === 0 && winner ? html` <span class="tag ok">winner</span>` : ''}
          <div class="muted">score ${num(round3(c.score))}, similarity ${num(round3(c.similarity))}, cost ${num(round3(c.cost))}</div>
          ${terms.map((t) => html`<div class="term"><span class="term-name">${t}</span>
            <span class="bar" style=${{ width: `${Math.round((Math.abs((c.costTerms || {})[t] || 0) / widest) * 100)}%` }}></span>
            <span class="term-value">${num(round3((c.costTerms || {})[t] || 0))}</span></div>`)}
        </li>`)}</ol>
    </div>`;
}

function round3(v) {
  return typeof v === 'number' ? Math.round(v * 1000) / 1000 : v;
}

/** One uPlot chart; redrawn with setData when its columns change. */
function Chart({ id, title, names, data, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  const shape = names.join('\n');
  useEffect(() => {
    if (typeof uPlot === 'undefined' || !box.current) return undefined;
    const colours = ['#2f5fd0', '#1d7a3a', '#9a6200', '#b3261e', '#6b4fbb', '#0f7c86'];
    const opts = {
      width: Math.max(320, box.current.clientWidth || 600), height: 180,
      scales: { x: { time: true } },
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: colours[i % colours.length], width: 2, spanGaps: false }))],
      axes: [{}, { label: unit }],
    };
    // eslint-disable-next-line no-undef
    plot.current = new uPlot(opts, data, box.current);
    return () => plot.current && plot.current.destroy();
  }, [shape]);
  useEffect(() => {
    if (plot.current) plot.current.setData(data);
  }, [data]);
  const last = data.slice(1).map((s) => s[s.length - 1]);
  return html`<figure class="chart" data-chart=${id} data-points=${data[0].length} data-last=${last.map((v) => (v === null || v === undefined ? '' : v)).join(' ')}>
    <figcaption>${title}</figcaption><div ref=${box}></div></figure>`;
}

export function Charts({ state }) {
  const s = usageSeries(state.data.usage, Date.now());
  const rtt = rttColumns(state.rtt);
  return html`
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">Charts, last ${WINDOW_MINUTES} minutes</h2>
      ${typeof uPlot === 'undefined' && html`<p class="error">The chart library did not load.</p>`}
      <${Chart} id="requests" title="Requests per second (per minute)" names=${['requests/s']} data=${[s.x, s.requestsPerSecond]} unit="req/s" />
      <${Chart} id="tokens" title="Tokens out per second (per minute)" names=${['tokens/s']} data=${[s.x, s.tokensPerSecond]} unit="tok/s" />
      <${Chart} id="failovers" title="Requests served after a failover (per minute)" names=${['failovers']} data=${[s.x, s.failovers]} unit="" />
      ${rtt.names.length === 0 ? html`<p class="muted">Round trips appear here once members are measured (sampled every 5 s while this page is open).</p>`
        : html`<${Chart} id="rtt" title="Round trip per member (sampled while this page is open)" names=${rtt.names} data=${rtt.data} unit="ms" />`}
    </section>`;
}
