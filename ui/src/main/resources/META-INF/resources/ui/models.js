// Models across the mesh: each model once with the nodes that serve it (GET /api/v1/models?mesh=true);
// deploy a model to nodes (their Ollama pulls it) and copy a model file from a member, each with a
// progress bar per node from the model.progress / model.deployed and model.pull.* events.
import { h } from './vendor/preact.js';
import { useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { bytes } from './lib/format.js';

const html = htm.bind(h);

function Progress({ item }) {
  const pct = item.total > 0 ? Math.min(100, Math.round((item.done / item.total) * 100)) : (item.state === 'done' ? 100 : 0);
  return html`<li class=${`progress ${item.state}`} data-progress=${item.label} data-state=${item.state}>
    <span class="label">${item.label}</span>
    <progress max="100" value=${pct} aria-label=${`${item.label}: ${pct}%`}></progress>
    <span>${pct} %</span> <span class="muted">${item.state === 'done' ? 'done' : item.state === 'failed' ? `failed: ${item.message}` : item.message}</span>
  </li>`;
}

export function Models({ state, node, signedIn }) {
  const list = (state.data.meshModels || {}).models || [];
  const members = ((state.data.members || {}).members || []).filter((m) => m.state === 'alive');
  const self = (state.data.status || {}).nodeId;
  const [model, setModel] = useState('');
  const [targets, setTargets] = useState([]);
  const [file, setFile] = useState('');
  const [from, setFrom] = useState('');
  const [message, setMessage] = useState('');
  const names = Object.fromEntries(((state.data.members || {}).members || []).map((m) => [m.nodeId, m.name]));
  const toggle = (id) => setTargets((t) => (t.includes(id) ? t.filter((x) => x !== id) : [...t, id]));
  const why = (e) => `${e.message}${signedIn ? '' : " (sign in with 'atmosphere dashboard' first)"}`;
  const deploy = (ev) => {
    ev.preventDefault();
    setMessage('');
    node.getJson('/api/v1/models/deploy', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model, to: targets }) })
      .then(() => setMessage(`Deploy of ${model} started; progress per node below.`)).catch((e) => setMessage(`Deploy refused: ${why(e)}`));
  };
  const pull = (ev) => {
    ev.preventDefault();
    setMessage('');
    node.getJson('/api/v1/models/pull', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: file, from }) })
      .then(() => setMessage(`Copy of ${file} started; progress below.`)).catch((e) => setMessage(`Copy refused: ${why(e)}`));
  };
  const progress = Object.values(state.progress);
  return html`
    <section aria-labelledby="models-h">
      <h2 id="models-h">Models across the mesh</h2>
      ${list.length === 0 ? html`<p>No models yet: no backend here or on a member serves one.</p>` : html`
      <table class="models">
        <thead><tr><th scope="col">Model</th><th scope="col">Types</th><th scope="col">Served by</th></tr></thead>
        <tbody>${list.map((m) => html`<tr key=${m.model} data-model=${m.model}>
          <td>${m.model}</td><td>${m.types.join(', ')}</td>
          <td><ul class="served">${m.nodes.map((n) => html`<li key=${n.nodeId + n.backend} data-served-by=${n.nodeId}>
            ${n.nodeId === self ? 'this node' : (names[n.nodeId] || n.name || n.nodeId)} <span class="muted">${n.backend}${n.loaded ? ', loaded' : ''}${n.sizeBytes ? `, ${bytes(n.sizeBytes)}` : ''}</span></li>`)}</ul></td>
        </tr>`)}</tbody>
      </table>`}
      <form class="deploy" onSubmit=${deploy}>
        <h3>Deploy a model</h3>
        <label for="deploy-model">Model</label>
        <input id="deploy-model" required value=${model} onInput=${(e) => setModel(e.target.value)} placeholder="llama3.2:3b" />
        <fieldset><legend>To</legend>
          ${members.length === 0 ? html`<label><input type="checkbox" data-target=${self} checked=${targets.includes(self)} onChange=${() => toggle(self)} /> this node</label>`
            : members.map((m) => html`<label key=${m.nodeId}><input type="checkbox" data-target=${m.nodeId} checked=${targets.includes(m.nodeId)}
                onChange=${() => toggle(m.nodeId)} /> ${m.self ? 'this node' : m.name}</label>`)}
        </fieldset>
        <button type="submit" id="deploy-go" disabled=${!model || targets.length === 0}>Deploy</button>
      </form>
      <form class="pull" onSubmit=${pull}>
        <h3>Copy a model file from a member</h3>
        <label for="pull-name">File</label>
        <input id="pull-name" required value=${file} onInput=${(e) => setFile(e.target.value)} placeholder="tinyllama.gguf" />
        <label for="pull-from">From</label>
        <select id="pull-from" required value=${from} onChange=${(e) => setFrom(e.target.value)}>
          <option value="">a member…</option>
          ${members.filter((m) => !m.self).map((m) => html`<option key=${m.nodeId} value=${m.nodeId}>${m.name}</option>`)}
        </select>
        <button type="submit" id="pull-go" disabled=${!file || !from}>Copy</button>
      </form>
      <p role="status">${message}</p>
      ${progress.length > 0 && html`<ul class="progress-list">${progress.map((p) => html`<${Progress} key=${p.label} item=${p} />`)}</ul>`}
    </section>`;
}
