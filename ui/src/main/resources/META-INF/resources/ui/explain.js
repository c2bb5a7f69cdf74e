// The route explainer: an intent (optionally a model, vision) goes to POST /api/v1/route, which
// decides without executing anything; the page shows the winner, its similarity and each cost term
// as a bar, and the runners-up. "Run it" sends the same intent to /v1/chat/completions and streams
// the answer into the page, with the route that actually served it (the node decides again).
import { h } from './vendor/preact.js';
import { useRef, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { Decision } from './traffic.js';
import { sseData } from './lib/format.js';

const html = htm.bind(h);

export function Explainer({ state, node }) {
  const [intent, setIntent] = useState('');
  const [model, setModel] = useState('auto');
  const [vision, setVision] = useState(false);
  const [decision, setDecision] = useState(null);
  const [error, setError] = useState('');
  const [run, setRun] = useState(null); // {route, text, done, error}
  const abort = useRef(null);
  const models = ((state.data.models || {}).data || []).map((m) => m.id).filter((id) => id !== 'auto');

  const explain = (ev) => {
    ev.preventDefault();
    setError('');
    setDecision(null);
    const body = { intent, vision };
    if (model !== 'auto') body.model = model;
    node.getJson('/api/v1/route', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(setDecision).catch((e) => setError(e.message));
  };

  const runIt = async () => {
    if (abort.current) abort.current.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRun({ route: '', text: '', done: false, error: '' });
    try {
      const res = await fetch('/v1/chat/completions', {
        method: 'POST', credentials: 'same-origin', signal: controller.signal, headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: intent }] }),
      });
      if (!res.ok) {
        const json = await res.json().catch(() => ({}));
        throw new Error((json.error && json.error.message) || `HTTP ${res.status}`);
      }
      const route = res.headers.get('x-atmosphere-route') || '';
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const frames = buffered.split('\n\n');
        buffered = frames.pop();
        for (const frame of frames) {
          const data = sseData(frame);
          if (data === null || data === '[DONE]') continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          text += (chunk.choices || []).map((c) => (c.delta && c.delta.content) || '').join('');
          setRun({ route, text, done: false, error: '' });
        }
      }
      setRun({ route, text, done: true, error: '' });
    } catch (e) {
      if (e.name !== 'AbortError') setRun((r) => ({ ...(r || { route: '', text: '' }), done: true, error: e.message }));
    }
  };

  return html`
    <section aria-labelledby="explain-h">
      <h2 id="explain-h">Route explainer</h2>
      <form class="explain" onSubmit=${explain}>
        <label for="intent">Intent</label>
        <textarea id="intent" rows="2" required value=${intent} onInput=${(e) => setIntent(e.target.value)}
          placeholder="fix this Python stack trace"></textarea>
        <label for="explain-model">Model</label>
        <select id="explain-model" value=${model} onChange=${(e) => setModel(e.target.value)}>
          <option value="auto">auto (by meaning)</option>
          ${models.map((m) => html`<option key=${m} value=${m}>${m}</option>`)}
        </select>
        <label><input type="checkbox" id="explain-vision" checked=${vision} onChange=${(e) => setVision(e.target.checked)} /> needs vision</label>
        <button type="submit" id="explain-go">Explain</button>
        <button type="button" id="explain-run" disabled=${!intent.trim()} onClick=${runIt}>Run it</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${decision && html`<div data-explained>${decision.winner ? '' : html`<p class="error">Nothing fits: ${decision.reason}</p>`}<${Decision} decision=${decision} /></div>`}
      ${run && html`<div class="run" aria-live="polite">
        <h3>Answer ${run.route ? html`<span class="muted">from</span> <code data-run-route>${run.route}</code>` : ''}</h3>
        <pre data-answer data-done=${run.done ? 'true' : 'false'}>${run.text}</pre>
        ${run.error && html`<p class="error" role="alert">${run.error}</p>`}
      </div>`}
    </section>`;
}
