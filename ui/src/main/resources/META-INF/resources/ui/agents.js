// Agents and triggers: the agent types (ready, or what a type lacks), the agents spawned with their
// steps as the agent.step events stream them, invoke and stop; the triggers with their counts, and
// fire one. What the node refuses is shown with its reason.
import { h } from './vendor/preact.js';
import { useEffect, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { request, refusal } from './lib/api.js';

const html = htm.bind(h);
const post = (path, body) => request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });

function parseJson(text) {
  if (!text.trim()) return {};
  return JSON.parse(text);
}

export function Agents({ state, signedIn }) {
  const [types, setTypes] = useState(null);
  const [agents, setAgents] = useState([]);
  const [triggers, setTriggers] = useState([]);
  const [message, setMessage] = useState('');
  const [spawnType, setSpawnType] = useState('');
  const [params, setParams] = useState('');
  const [intent, setIntent] = useState({}); // agent id -> what to ask it
  const [payload, setPayload] = useState({}); // trigger key -> JSON payload
  const [answers, setAnswers] = useState({}); // agent id or trigger key -> the last answer
  const load = () => {
    request('/api/v1/agents/types').then((r) => (r.ok ? setTypes(r.json.types || []) : setMessage(refusal(r, signedIn))));
    request('/api/v1/agents').then((r) => { if (r.ok) setAgents(r.json.agents); });
    request('/api/v1/triggers').then((r) => { if (r.ok) setTriggers(r.json.triggers); });
  };
  // the newest agent or trigger event: each one may have changed what is listed
  const latest = (state.feed.find((e) => String(e.type).startsWith('agent.') || String(e.type).startsWith('trigger.')) || {}).id;
  useEffect(load, [latest]);
  const steps = (id) => state.feed.filter((e) => e.type === 'agent.step' && e.agent === id).slice().reverse();
  const say = (r, ok) => { setMessage(r.ok ? ok(r.json) : refusal(r, signedIn)); load(); };
  const spawn = (ev) => {
    ev.preventDefault();
    let p;
    try {
      p = parseJson(params);
    } catch (e) {
      setMessage(`The parameters are not JSON: ${e.message}`);
      return;
    }
    post('/api/v1/agents', { type: spawnType, params: p }).then((r) => say(r, (j) => `Spawned ${j.type} agent ${j.id}.`));
  };
  const invoke = (a) => post(`/api/v1/agents/${encodeURIComponent(a.id)}/invoke`, { intent: intent[a.id] || '' }).then((r) => {
    if (r.ok) setAnswers({ ...answers, [a.id]: r.json.text });
    say(r, () => `Agent ${a.id} answered.`);
  });
  const stop = (a) => post(`/api/v1/agents/${encodeURIComponent(a.id)}/stop`).then((r) => say(r, () => `Stopped agent ${a.id}.`));
  const fire = (t) => {
    const key = `${t.capability}/${t.event}`;
    let body;
    try {
      body = parseJson(payload[key] || '');
    } catch (e) {
      setMessage(`The payload is not JSON: ${e.message}`);
      return;
    }
    post(`/api/v1/triggers/${encodeURIComponent(t.capability)}/${encodeURIComponent(t.event)}`, body).then((r) => {
      if (r.ok) setAnswers({ ...answers, [key]: r.json.throttled ? 'throttled' : `fired (${r.json.id})` });
      say(r, () => `Fired ${key}.`);
    });
  };
  return html`<section aria-labelledby="agents-h">
    <h2 id="agents-h">Agents and triggers</h2>
    <p role="status" id="agents-message" class=${message.startsWith('Refused') ? 'error' : ''}>${message}</p>
    <h3>Agent types</h3>
    ${types && (types.length === 0 ? html`<p class="muted">No agent types.</p>` : html`<table class="agent-types">
      <thead><tr><th scope="col">Type</th><th scope="col">Tools</th><th scope="col">Triggers</th><th scope="col">Ready</th></tr></thead>
      <tbody>${types.map((t) => html`<tr key=${t.type} data-agent-type=${t.type}>
        <td><strong>${t.type}</strong><br /><span class="muted">${t.description} (${t.source})</span></td>
        <td>${t.requiredTools.join(', ') || '—'}${t.optionalTools.length ? html`<span class="muted"> + ${t.optionalTools.join(', ')}</span>` : ''}</td>
        <td>${t.triggers.join(', ') || '—'}</td>
        <td>${t.ready ? 'yes' : html`<span class="warn-box">lacks ${(t.missing || []).join(', ')}</span>`}</td></tr>`)}</tbody></table>`)}
    <form class="spawn" onSubmit=${spawn}>
      <label for="spawn-type">Spawn</label>
      <select id="spawn-type" value=${spawnType} onChange=${(e) => setSpawnType(e.target.value)}>
        <option value="">a type…</option>
        ${(types || []).map((t) => html`<option key=${t.type} value=${t.type} disabled=${!t.ready}>${t.type}</option>`)}
      </select>
      <label for="spawn-params">Parameters (JSON)</label>
      <input id="spawn-params" value=${params} onInput=${(e) => setParams(e.target.value)} placeholder="{}" />
      <button type="submit" id="spawn-go" disabled=${!spawnType}>Spawn</button>
    </form>
    <h3>Agents</h3>
    ${agents.length === 0 ? html`<p class="muted">No agents.</p>` : html`<ul class="agents">${agents.map((a) => html`<li key=${a.id} data-agent=${a.id}>
      <strong>${a.type}</strong> <code>${a.id}</code> <span class="state">${a.state}</span>
      <span class="muted">${a.invocations} invocation${a.invocations === 1 ? '' : 's'}, last ${a.lastActivity}</span>
      <form onSubmit=${(e) => { e.preventDefault(); invoke(a); }}>
        <input aria-label=${`Ask agent ${a.id}`} value=${intent[a.id] || ''} onInput=${(e) => setIntent({ ...intent, [a.id]: e.target.value })} />
        <button type="submit">Invoke</button> <button type="button" onClick=${() => stop(a)}>Stop</button>
      </form>
      ${answers[a.id] && html`<p class="answer">${answers[a.id]}</p>`}
      <ol class="steps">${steps(a.id).map((e) => html`<li key=${e.id}>step ${e.step}: ${e.tool} ${e.ok ? 'ok' : 'failed'}</li>`)}</ol>
    </li>`)}</ul>`}
    <h3>Triggers</h3>
    ${triggers.length === 0 ? html`<p class="muted">No triggers.</p>` : html`<table class="triggers">
      <thead><tr><th scope="col">Trigger</th><th scope="col">Intent</th><th scope="col">Counts</th><th scope="col">Last fired</th><th scope="col"></th></tr></thead>
      <tbody>${triggers.map((t) => {
        const key = `${t.capability}/${t.event}`;
        return html`<tr key=${key} data-trigger=${key}>
          <td><code>${key}</code><br /><span class="muted">${t.route}, ${t.priority}, at most ${t.throttle}</span></td>
          <td>${t.intent}</td>
          <td>${Object.entries(t.counts).map(([k, v]) => html`<span key=${k} data-trigger-count=${`${key} ${k}`}>${k} ${v} </span>`)}</td>
          <td>${t.lastFired ? new Date(t.lastFired).toLocaleString() : '—'}</td>
          <td><input aria-label=${`Payload for ${key}`} placeholder="{}" value=${payload[key] || ''}
            onInput=${(e) => setPayload({ ...payload, [key]: e.target.value })} />
            <button type="button" data-fire=${key} onClick=${() => fire(t)}>Fire</button> ${answers[key] || ''}</td></tr>`;
      })}</tbody></table>`}
  </section>`;
}
