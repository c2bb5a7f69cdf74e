// Settings: API keys (create — the key is shown once —, list, revoke), this node's cost factors,
// and, read-only, the sharing policy and the configuration in effect (secrets shown as "(set)").
// Keys and the configuration are the admin's alone: the page says so when the node refuses.
import { h } from './vendor/preact.js';
import { useEffect, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { request, refusal } from './lib/api.js';
import { num } from './lib/format.js';

const html = htm.bind(h);

function Keys({ signedIn }) {
  const [keys, setKeys] = useState(null);
  const [message, setMessage] = useState('');
  const [name, setName] = useState('');
  const [scope, setScope] = useState('openai');
  const [created, setCreated] = useState(null);
  const [revoking, setRevoking] = useState('');
  const load = () => request('/api/v1/keys').then((r) => (r.ok ? setKeys(r.json.keys) : setMessage(refusal(r, signedIn))));
  useEffect(() => { load(); }, []);
  const create = (ev) => {
    ev.preventDefault();
    setMessage('');
    setCreated(null);
    request('/api/v1/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, scope }) })
      .then((r) => {
        if (r.ok) {
          setCreated(r.json);
          setName('');
          load();
        } else {
          setMessage(refusal(r, signedIn));
        }
      });
  };
  const revoke = (id) => {
    setRevoking('');
    request(`/api/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' })
      .then((r) => {
        setMessage(r.ok ? `Revoked key ${id}: clients that use it are refused from now on.` : refusal(r, signedIn));
        load();
      });
  };
  return html`
    <section aria-labelledby="keys-h">
      <h3 id="keys-h">API keys</h3>
      <p class="muted">For clients on other machines: the OpenAI-compatible API (scope openai), firing triggers (triggers) or everything (all).</p>
      <form class="key-create" onSubmit=${create}>
        <label for="key-name">For</label>
        <input id="key-name" required maxlength="64" value=${name} onInput=${(e) => setName(e.target.value)} placeholder="laptop" />
        <label for="key-scope">Scope</label>
        <select id="key-scope" value=${scope} onChange=${(e) => setScope(e.target.value)}>
          <option value="openai">openai</option><option value="triggers">triggers</option><option value="all">all</option>
        </select>
        <button type="submit" id="key-create" disabled=${!name}>Create key</button>
      </form>
      ${created && html`<div class="created" role="status">
        <p>Key <strong>${created.name}</strong> (${created.scope}). Copy it now: it is shown only this once.</p>
        <code id="key-secret" data-key-id=${created.id}>${created.key}</code>
        <button type="button" onClick=${() => navigator.clipboard.writeText(created.key)}>Copy</button>
        <button type="button" onClick=${() => setCreated(null)}>Done</button></div>`}
      <p role="status" class=${message.startsWith('Refused') ? 'error' : ''} id="keys-message">${message}</p>
      ${keys && (keys.length === 0 ? html`<p>No API keys.</p>` : html`
      <table class="keys">
        <thead><tr><th scope="col">Id</th><th scope="col">For</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col"></th></tr></thead>
        <tbody>${keys.map((k) => html`<tr key=${k.id} data-key=${k.id}>
          <td><code>${k.id}</code></td><td>${k.name}</td><td>${k.scope}</td><td>${new Date(k.createdAt).toLocaleString()}</td>
          <td>${revoking === k.id
            ? html`<span>Clients using it will be refused. </span><button type="button" data-confirm-revoke=${k.id} onClick=${() => revoke(k.id)}>Revoke</button>
                <button type="button" onClick=${() => setRevoking('')}>Keep</button>`
            : html`<button type="button" data-revoke=${k.id} onClick=${() => setRevoking(k.id)}>Revoke…</button>`}</td>
        </tr>`)}</tbody>
      </table>`)}
    </section>`;
}

function Readonly({ title, path, pick, signedIn, id }) {
  const [value, setValue] = useState(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    request(path).then((r) => (r.ok ? setValue(pick(r.json)) : setMessage(refusal(r, signedIn))));
  }, []);
  return html`<section aria-labelledby=${`${id}-h`}>
    <h3 id=${`${id}-h`}>${title}</h3>
    ${message && html`<p class="error" role="alert">${message}</p>`}
    ${value !== null && html`<pre id=${id}>${JSON.stringify(value, null, 2)}</pre>`}
  </section>`;
}

function Cost({ signedIn }) {
  const [cost, setCost] = useState(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    request('/api/v1/cost').then((r) => (r.ok ? setCost(r.json) : setMessage(refusal(r, signedIn))));
  }, []);
  return html`<section aria-labelledby="cost-h">
    <h3 id="cost-h">Cost factors</h3>
    ${message && html`<p class="error" role="alert">${message}</p>`}
    ${cost && html`<dl class="cost">
      <dt>Overall</dt><dd data-cost="overall">${num(cost.overall)}</dd>
      <dt>On battery</dt><dd>${cost.onBattery ? `yes (${cost.batteryPercent} %)` : 'no'}</dd>
      <dt>CPU load per core</dt><dd>${num(cost.cpuLoadPerCore)}</dd>
      <dt>Memory used</dt><dd>${cost.memoryUsedPercent >= 0 ? `${num(cost.memoryUsedPercent)} %` : 'unknown'}</dd>
      <dt>Metered network</dt><dd>${cost.metered ? 'yes' : 'no'}</dd>
      ${Object.entries(cost.multipliers || {}).map(([k, v]) => html`<dt key=${k}>× ${k}</dt><dd>${num(v)}</dd>`)}
    </dl>`}
  </section>`;
}

export function Settings({ signedIn }) {
  return html`
    <section aria-labelledby="settings-h">
      <h2 id="settings-h">Settings</h2>
      <${Keys} signedIn=${signedIn} />
      <${Cost} signedIn=${signedIn} />
      <${Readonly} id="policy" title="Sharing policy (policy in config.yaml)" path="/api/v1/policy" pick=${(j) => j} signedIn=${signedIn} />
      <${Readonly} id="config" title="Configuration in effect (config.yaml, ATMOSPHERE_* and defaults; read-only)" path="/api/v1/config"
        pick=${(j) => j.config} signedIn=${signedIn} />
    </section>`;
}
