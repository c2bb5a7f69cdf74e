// The dashboard: the overview strip and its views (members, topology, mesh administration,
// backends, requests, charts, the route explainer, models, agents and triggers, tools, plugins,
// settings, live events), kept live by the
// node's event stream (/api/v1/events). Figures are shown as the API reports them; an event only
// says which endpoint to fetch again. Text from outside (names, errors, event data) is rendered as
// text by Preact, never as HTML.
import { h, render } from './vendor/preact.js';
import { useEffect, useReducer, useRef, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { RESOURCES, affected, initial, reduce } from './lib/state.js';
import { Backends, Events, Members, Overview } from './views.js';
import { Charts, Requests } from './traffic.js';
import { Explainer } from './explain.js';
import { Models } from './models.js';
import { Tools } from './tools.js';
import { Plugins } from './plugins.js';
import { Settings } from './settings.js';
import { Mesh } from './mesh.js';
import { Agents } from './agents.js';
import { Topology } from './topology.js';

const html = htm.bind(h);
const REFRESH_MS = 5000; // round trips, uptime and last-seen move without events
const BATCH_MS = 250; // events wait at most this long to be shown
const SLOW = new Set(['usage']); // figures every request changes: fetched at most every SLOW_MS
const SLOW_MS = 2000;

async function getJson(path, options = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...options });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || `HTTP ${res.status}`);
  return json;
}

function useNode() {
  const [state, dispatch] = useReducer(reduce, undefined, initial);
  const pending = useRef(new Set());
  const timer = useRef(0);

  const inMesh = useRef(null); // unknown until /api/v1/mesh answers: a node in no mesh has no members to ask for
  const fetchOne = (name) => {
    if (name === 'members' && inMesh.current !== true) {
      if (inMesh.current === false) dispatch({ type: 'fetched', name, json: { members: [] }, at: Date.now() });
      return Promise.resolve();
    }
    return getJson(RESOURCES[name])
      .then((json) => {
        dispatch({ type: 'fetched', name, json, at: Date.now() });
        if (name === 'mesh') {
          const was = inMesh.current;
          inMesh.current = Boolean(json.member);
          if (was !== inMesh.current) fetchOne('members');
        }
      })
      .catch((e) => dispatch({ type: 'failed', name, message: e.message }));
  };
  // at most one fetch of each resource per 150 ms (the usage figures, which every request changes:
  // per SLOW_MS), however fast events come (a timer that is already set is not moved, so a steady
  // stream of events cannot put the fetch off for ever)
  const slowTimer = useRef(0);
  const refresh = (names) => {
    names.forEach((n) => pending.current.add(n));
    const start = (ref, ms, slow) => {
      if (ref.current) return;
      ref.current = setTimeout(() => {
        ref.current = 0;
        const batch = [...pending.current].filter((n) => SLOW.has(n) === slow);
        batch.forEach((n) => pending.current.delete(n));
        batch.forEach(fetchOne);
      }, ms);
    };
    if (names.some((n) => !SLOW.has(n))) start(timer, 150, false);
    if (names.some((n) => SLOW.has(n))) start(slowTimer, SLOW_MS, true);
  };

  useEffect(() => {
    Object.keys(RESOURCES).forEach(fetchOne);
    const source = new EventSource('/api/v1/events?named=false&recent=200');
    source.onopen = () => {
      dispatch({ type: 'connection', value: 'live' });
      refresh(Object.keys(RESOURCES)); // what changed while the stream was down
    };
    source.onerror = () => dispatch({ type: 'connection', value: 'reconnecting' }); // EventSource retries with Last-Event-ID
    // events are applied in batches, at most one every BATCH_MS: a busy node's hundreds of events a
    // second cost a few renders a second, not one each
    let queued = [];
    let flushing = 0;
    const flush = () => {
      flushing = 0;
      const events = queued;
      queued = [];
      dispatch({ type: 'events', events });
      const names = new Set(events.flatMap((e) => affected(e.type)));
      if (names.size) refresh([...names]);
    };
    source.onmessage = (ev) => {
      try {
        queued.push(JSON.parse(ev.data));
      } catch {
        return;
      }
      if (!flushing) flushing = setTimeout(flush, BATCH_MS);
    };
    const tick = setInterval(() => refresh(['status', 'members', 'backends', 'mesh', 'usage']), REFRESH_MS);
    return () => {
      source.close();
      clearInterval(tick);
    };
  }, []);

  return { state, dispatch, refresh, getJson };
}

const TABS = [
  ['members', 'Members'],
  ['topology', 'Topology'],
  ['mesh', 'Mesh admin'],
  ['backends', 'Backends'],
  ['requests', 'Requests'],
  ['charts', 'Charts'],
  ['explain', 'Route explainer'],
  ['models', 'Models'],
  ['agents', 'Agents'],
  ['tools', 'Tools'],
  ['plugins', 'Plugins'],
  ['settings', 'Settings'],
  ['events', 'Live events'],
];

function App() {
  const node = useNode();
  const { state } = node;
  const [tab, setTab] = useState(location.hash.slice(1) || 'members');
  const [session, setSession] = useState(null);
  useEffect(() => {
    getJson('/api/v1/ui/session').then(setSession).catch(() => setSession({ signedIn: false }));
    const onHash = () => setTab(location.hash.slice(1) || 'members');
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const select = (id) => {
    location.hash = id;
    setTab(id);
  };
  const onTabKey = (ev, i) => {
    const next = ev.key === 'ArrowRight' ? (i + 1) % TABS.length : ev.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next >= 0) {
      select(TABS[next][0]);
      document.getElementById(`tab-${TABS[next][0]}`)?.focus();
    }
  };
  const signOut = () => getJson('/api/v1/ui/session', { method: 'DELETE' }).then(() => location.replace('/ui/login'));
  return html`
    <header class="top">
      <h1>Atmosphere</h1>
      <${Connection} state=${state} />
      ${session && (session.signedIn
        ? html`<span class="who">signed in (${session.scope})</span><button type="button" onClick=${signOut}>Sign out</button>`
        : html`<a class="who" href="/ui/login">Sign in</a>`)}
    </header>
    <${Overview} state=${state} />
    <nav role="tablist" aria-label="Views">
      ${TABS.map(([id, label], i) => html`
        <button type="button" role="tab" id=${`tab-${id}`} aria-selected=${tab === id} aria-controls=${`panel-${id}`}
          tabIndex=${tab === id ? 0 : -1} onClick=${() => select(id)} onKeyDown=${(ev) => onTabKey(ev, i)}>${label}</button>`)}
    </nav>
    <main id=${`panel-${tab}`} role="tabpanel" aria-labelledby=${`tab-${tab}`}>
      ${tab === 'members' && html`<${Members} state=${state} />`}
      ${tab === 'backends' && html`<${Backends} state=${state} node=${node} signedIn=${session && session.signedIn} />`}
      ${tab === 'requests' && html`<${Requests} state=${state} node=${node} />`}
      ${tab === 'charts' && html`<${Charts} state=${state} />`}
      ${tab === 'explain' && html`<${Explainer} state=${state} node=${node} />`}
      ${tab === 'models' && html`<${Models} state=${state} node=${node} signedIn=${session && session.signedIn} />`}
      ${tab === 'topology' && html`<${Topology} state=${state} />`}
      ${tab === 'mesh' && html`<${Mesh} state=${state} signedIn=${session && session.signedIn} />`}
      ${tab === 'agents' && html`<${Agents} state=${state} signedIn=${session && session.signedIn} />`}
      ${tab === 'tools' && html`<${Tools} state=${state} signedIn=${session && session.signedIn} />`}
      ${tab === 'plugins' && html`<${Plugins} signedIn=${session && session.signedIn} />`}
      ${tab === 'settings' && html`<${Settings} signedIn=${session && session.signedIn} />`}
      ${tab === 'events' && html`<${Events} state=${state} dispatch=${node.dispatch} />`}
    </main>`;
}

function Connection({ state }) {
  if (state.connection === 'live') return html`<span class="conn ok" role="status">● live</span>`;
  const times = Object.values(state.fetchedAt);
  const asOf = times.length ? new Date(Math.max(...times)).toLocaleTimeString() : null;
  return html`<span class="conn warn" role="status" data-stale="true">
    ${state.connection === 'connecting' ? 'connecting…' : 'reconnecting…'}${asOf ? ` — figures as of ${asOf}` : ''}</span>`;
}

render(html`<${App} />`, document.getElementById('app'));
