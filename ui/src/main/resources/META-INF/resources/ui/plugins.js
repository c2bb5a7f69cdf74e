// Plugins: each plugin's state, source, providers and why it failed (GET /api/v1/plugins); enable,
// disable and reload one, or reload all (new ones dropped in are picked up).
import { h } from './vendor/preact.js';
import { useEffect, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { request, refusal } from './lib/api.js';

const html = htm.bind(h);

export function Plugins({ signedIn }) {
  const [plugins, setPlugins] = useState(null);
  const [message, setMessage] = useState('');
  const load = () => request('/api/v1/plugins').then((r) => (r.ok ? setPlugins(r.json.plugins) : setMessage(refusal(r, signedIn))));
  useEffect(() => { load(); }, []);
  const act = (path, done) => {
    setMessage('');
    request(path, { method: 'POST' }).then((r) => {
      if (r.ok) {
        setMessage(done(r.json));
        load();
      } else {
        setMessage(refusal(r, signedIn));
      }
    });
  };
  return html`
    <section aria-labelledby="plugins-h">
      <h2 id="plugins-h">Plugins</h2>
      <button type="button" id="plugins-reload" onClick=${() => act('/api/v1/plugins/reload', () => 'Reloaded every plugin (new ones picked up).')}>Reload all</button>
      <p role="status" id="plugins-message" class=${message.startsWith('Refused') ? 'error' : ''}>${message}</p>
      ${plugins && (plugins.length === 0 ? html`<p>No plugins.</p>` : html`
      <table class="plugins">
        <thead><tr><th scope="col">Plugin</th><th scope="col">Version</th><th scope="col">State</th><th scope="col">Source</th>
          <th scope="col">Provides</th><th scope="col">Actions</th></tr></thead>
        <tbody>${plugins.map((p) => html`<tr key=${p.id} data-plugin=${p.id}>
          <td><strong>${p.id}</strong><br /><span class="muted">${p.description}</span></td>
          <td>${p.version}</td>
          <td><span data-plugin-state=${p.id} class=${`state ${p.state === 'started' ? 'ok' : p.state === 'failed' ? 'bad' : 'warn'}`}>${p.state}</span>
            ${p.error && html`<br /><span class="error">${p.error}</span>`}</td>
          <td>${p.source}</td>
          <td>${(p.providers || []).join(', ') || '—'}</td>
          <td>
            ${p.state === 'disabled'
              ? html`<button type="button" data-enable=${p.id} onClick=${() => act(`/api/v1/plugins/${encodeURIComponent(p.id)}/enable`, (r) => `Enabled ${p.id}: ${r.state}.`)}>Enable</button>`
              : html`<button type="button" data-disable=${p.id} onClick=${() => act(`/api/v1/plugins/${encodeURIComponent(p.id)}/disable`, (r) => `Disabled ${p.id}: ${r.state}.`)}>Disable</button>`}
            <button type="button" data-reload=${p.id} onClick=${() => act(`/api/v1/plugins/${encodeURIComponent(p.id)}/reload`, (r) => `Reloaded ${p.id}: ${r.state}.`)}>Reload</button>
          </td>
        </tr>`)}</tbody>
      </table>`)}
    </section>`;
}
