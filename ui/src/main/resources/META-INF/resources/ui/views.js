// The dashboard's views. Each figure is an element with data-field="RESOURCE:PATH" (the endpoint in
// lib/state.js RESOURCES and the JSON path of the value in its answer; [key=value] picks an array
// element), so a test can hold what is shown to what the API says.
import { Component, h } from './vendor/preact.js';
import { useEffect, useRef, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { ago, duration, matches, num, stateClass } from './lib/format.js';
import { visibleFeed } from './lib/state.js';

const html = htm.bind(h);

/** A figure as the API reported it, and where it comes from. */
export function Field({ at, value, unit }) {
  return html`<span class="fig"><span data-field=${at}>${typeof value === 'number' ? num(value) : (value ?? '—')}</span>${unit ? html`<span class="unit"> ${unit}</span>` : ''}</span>`;
}

function State({ value }) {
  return html`<span class=${`state ${stateClass(value)}`}><span class="dot" aria-hidden="true"></span>${value || 'unknown'}</span>`;
}

function Failed({ state, name }) {
  const e = state.errors[name];
  return e ? html`<p class="error" role="alert">Could not load ${name}: ${e}</p>` : null;
}

export function Overview({ state }) {
  const s = state.data.status || {};
  const mesh = state.data.mesh || {};
  const backends = (state.data.backends || {}).backends || [];
  const models = (state.data.models || {}).data || [];
  const base = `${location.origin}/v1`;
  const [copied, setCopied] = useState(false);
  const copy = () => navigator.clipboard.writeText(base).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); });
  return html`
    <section class="overview" aria-label="Overview">
      <div><span class="label">Node</span> <${Field} at="status:name" value=${s.name} /> <code><${Field} at="status:nodeId" value=${s.nodeId} /></code></div>
      <div><span class="label">Version</span> <${Field} at="status:version" value=${s.version} /></div>
      <div><span class="label">Uptime</span> <span title=${`${s.uptimeSeconds ?? '—'} s`}>${duration(s.uptimeSeconds)}</span></div>
      <div><span class="label">Mesh</span> ${mesh.member ? html`<${Field} at="mesh:name" value=${mesh.name} />` : html`<span>none</span>`}</div>
      <div><span class="label">Members alive</span> ${mesh.member
        ? html`<${Field} at="mesh:alive" value=${mesh.alive} /> of <${Field} at="mesh:members" value=${mesh.members} />` : '—'}</div>
      <div><span class="label">Backends up</span> <span data-count="backends:backends[state=up]">${backends.filter((b) => b.state === 'up').length}</span> of <span data-count="backends:backends">${backends.length}</span></div>
      <div><span class="label">Models</span> <span data-count="models:data">${models.length}</span></div>
      <div class="base"><span class="label">OpenAI base URL</span> <code>${base}</code>
        <button type="button" onClick=${copy} aria-label="Copy the OpenAI base URL">${copied ? 'Copied' : 'Copy'}</button></div>
      <${Failed} state=${state} name="status" />
    </section>`;
}

export function Members({ state }) {
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState(null);
  const all = (state.data.members || {}).members || [];
  const rows = all.filter((m) => matches([m.name, m.nodeId, m.state, m.role, m.transport], filter));
  const now = Date.now();
  const chosen = all.find((m) => m.nodeId === open);
  return html`
    <section aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <${Failed} state=${state} name="members" />
      <label for="member-filter">Filter</label>
      <input id="member-filter" type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} placeholder="name, id, state, role…" />
      ${all.length === 0 ? html`<p>No members: this node is in no mesh yet ('atmosphere mesh create -n NAME').</p>` : html`
      <table class="members">
        <thead><tr><th scope="col">Name</th><th scope="col">Node ID</th><th scope="col">State</th><th scope="col">Role</th>
          <th scope="col">Transport</th><th scope="col">Round trip</th><th scope="col">Last seen</th><th scope="col">Capabilities</th></tr></thead>
        <tbody>${rows.map((m) => {
          const at = `members:members.[nodeId=${m.nodeId}]`;
          return html`<tr key=${m.nodeId} data-node=${m.nodeId} tabIndex="0" aria-label=${`member ${m.name}, ${m.state}`}
              onClick=${() => setOpen(m.nodeId)} onKeyDown=${(e) => e.key === 'Enter' && setOpen(m.nodeId)}>
            <td><${Field} at=${`${at}.name`} value=${m.name} />${m.self ? html` <span class="tag">this node</span>` : ''}
              ${m.error ? html`<div class="error">${m.error}</div>` : ''}</td>
            <td><code><${Field} at=${`${at}.nodeId`} value=${m.nodeId} /></code></td>
            <td data-field=${`${at}.state`} data-state=${m.state} data-history=${(state.history[m.nodeId] || []).map((h) => h.state).join(' ')}
              title=${(state.history[m.nodeId] || []).map((h) => `${h.state} at ${new Date(h.time).toLocaleTimeString()}`).join(', ')}><${State} value=${m.state} /></td>
            <td><${Field} at=${`${at}.role`} value=${m.role} /></td>
            <td><${Field} at=${`${at}.transport`} value=${m.transport} /></td>
            <td>${typeof m.rttMs === 'number' ? html`<${Field} at=${`${at}.rttMs`} value=${m.rttMs} unit="ms" />` : '—'}</td>
            <td title=${m.lastSeen || ''}>${m.self ? '—' : ago(m.lastSeen, now)}</td>
            <td><${Field} at=${`${at}.capabilityCount`} value=${m.capabilityCount} /></td>
          </tr>`;
        })}</tbody>
      </table>`}
      ${chosen && html`<${MemberDrawer} member=${chosen} policy=${state.data.policy} history=${state.history[chosen.nodeId] || []}
        onClose=${() => setOpen(null)} />`}
    </section>`;
}

/**
 * A details panel's keyboard: focus lands on its close button (returned as a ref) each time it
 * shows something else, and Escape anywhere closes it.
 */
export function useDrawer(onClose, showing) {
  const close = useRef(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (e) => e.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [showing]);
  return close;
}

function MemberDrawer({ member, policy, history, onClose }) {
  const cost = member.cost || {};
  const at = `members:members.[nodeId=${member.nodeId}]`;
  const close = useDrawer(onClose, member.nodeId);
  return html`
    <aside class="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-h">
      <h3 id="drawer-h">${member.name} <code>${member.nodeId}</code></h3>
      <button type="button" class="close" ref=${close} onClick=${onClose} aria-label="Close the details">Close</button>
      <dl>
        <dt>Address</dt><dd>${member.address || '—'}</dd>
        <dt>Admitted by</dt><dd>${member.admittedBy || '—'}</dd>
        <dt>Cost, overall</dt><dd><${Field} at=${`${at}.cost.overall`} value=${cost.overall} /></dd>
        <dt>CPU load per core</dt><dd><${Field} at=${`${at}.cost.cpuLoadPerCore`} value=${cost.cpuLoadPerCore} /></dd>
        <dt>Memory used</dt><dd><${Field} at=${`${at}.cost.memoryUsedPercent`} value=${cost.memoryUsedPercent} unit="%" /></dd>
        <dt>On battery</dt><dd>${cost.onBattery ? `yes (${num(cost.batteryPercent)} %)` : 'no'}</dd>
        <dt>Metered network</dt><dd>${cost.metered ? 'yes' : 'no'}</dd>
      </dl>
      <h4>Recent state changes seen here</h4>
      ${history.length === 0 ? html`<p class="muted">None in the node's recent events.</p>` : html`
      <ol class="history">${history.map((h) => html`<li><${State} value=${h.state} /> <time datetime=${h.time}>${new Date(h.time).toLocaleTimeString()}</time></li>`)}</ol>`}
      <h4>Capabilities</h4>
      <ul class="caps">${(member.capabilities || []).map((c) => html`<li key=${c.id}><code>${c.type}</code> ${c.name}${c.backend ? html` <span class="muted">on ${c.backend}</span>` : ''}</li>`)}</ul>
      <h4>This node's sharing policy</h4>
      <pre>${policy ? JSON.stringify(policy, null, 2) : '—'}</pre>
    </aside>`;
}

export function Backends({ state, node, signedIn }) {
  const [scan, setScan] = useState('');
  const list = (state.data.backends || {}).backends || [];
  const scanNow = () => {
    setScan('Scanning…');
    node.getJson('/api/v1/scan', { method: 'POST' })
      .then((json) => { node.dispatch({ type: 'fetched', name: 'backends', json, at: Date.now() }); setScan(''); })
      .catch((e) => setScan(`Scan failed: ${e.message}${signedIn ? '' : " (sign in with 'atmosphere dashboard' first)"}`));
  };
  return html`
    <section aria-labelledby="backends-h">
      <h2 id="backends-h">Backends</h2>
      <${Failed} state=${state} name="backends" />
      <button type="button" onClick=${scanNow}>Scan now</button> <span role="status">${scan}</span>
      ${list.length === 0 ? html`<p>No AI backend found on this machine (Ollama, LM Studio, llama.cpp, vLLM, LlamaFarm).</p>` : html`
      <table class="backends">
        <thead><tr><th scope="col">Backend</th><th scope="col">Type</th><th scope="col">URL</th><th scope="col">State</th><th scope="col">Latency</th>
          <th scope="col">Tokens/s</th><th scope="col">In flight</th><th scope="col">Last error</th></tr></thead>
        <tbody>${list.map((b) => {
          const at = `backends:backends.[id=${b.id}]`;
          return html`<tr key=${b.id} data-backend=${b.id}>
            <td><${Field} at=${`${at}.id`} value=${b.id} /></td>
            <td><${Field} at=${`${at}.type`} value=${b.type} /></td>
            <td><code>${b.url}</code></td>
            <td data-field=${`${at}.state`}><${State} value=${b.state} /></td>
            <td><${Field} at=${`${at}.latencyMs`} value=${b.latencyMs} unit="ms" /></td>
            <td><${Field} at=${`${at}.tokensPerSecond`} value=${b.tokensPerSecond} /></td>
            <td><${Field} at=${`${at}.inFlight`} value=${b.inFlight} /> of <${Field} at=${`${at}.concurrency`} value=${b.concurrency} /></td>
            <td>${b.lastError || '—'}</td>
          </tr>`;
        })}</tbody>
      </table>`}
    </section>`;
}

/** One event of the feed; an event never changes, so it is drawn once. */
class FeedItem extends Component {
  shouldComponentUpdate(next) {
    return next.e !== this.props.e;
  }

  render({ e }) {
    return html`
      <li data-event-type=${e.type}>
        <time datetime=${e.time}>${new Date(e.time).toLocaleTimeString()}</time>
        <strong>${e.type}</strong> <code>${e.nodeId}</code>
        <span class="data">${JSON.stringify(Object.fromEntries(Object.entries(e).filter(([k]) => !['type', 'time', 'nodeId', 'id'].includes(k))))}</span>
      </li>`;
  }
}

export function Events({ state, dispatch }) {
  const [type, setType] = useState('');
  const feed = visibleFeed(state, type);
  return html`
    <section aria-labelledby="events-h">
      <h2 id="events-h">Live events</h2>
      <label for="event-type">Type</label>
      <select id="event-type" value=${type} onChange=${(e) => setType(e.target.value)}>
        <option value="">all</option>
        ${state.types.map((t) => html`<option key=${t} value=${t}>${t}</option>`)}
      </select>
      <button type="button" aria-pressed=${state.paused} onClick=${() => dispatch({ type: 'pause', value: !state.paused })}>
        ${state.paused ? 'Resume' : 'Pause'}</button>
      <ol class="feed" aria-live=${state.paused ? 'off' : 'polite'}>
        ${feed.length === 0 ? html`<li class="muted">No events yet.</li>` : feed.map((e) => html`<${FeedItem} key=${e.id} e=${e} />`)}
      </ol>
    </section>`;
}
