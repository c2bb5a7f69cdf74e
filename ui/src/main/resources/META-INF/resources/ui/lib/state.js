// The dashboard's state and how the live event stream changes it. Pure: node --test checks it.
// Figures come only from API responses; an event says which of them to fetch again.
import { addRtt, emptyRtt } from './series.js';

/** Events kept in the feed. */
export const FEED_LIMIT = 500;
/** State changes kept per member. */
export const HISTORY_LIMIT = 20;
/** Requests kept in the request log (the node keeps as many). */
export const REQUEST_LIMIT = 500;

/** The resources the dashboard shows, and the endpoint of each. */
export const RESOURCES = {
  status: '/api/v1/status',
  mesh: '/api/v1/mesh',
  members: '/api/v1/mesh/members',
  backends: '/api/v1/backends',
  models: '/v1/models',
  policy: '/api/v1/policy',
  usage: '/api/v1/usage',
  requests: '/api/v1/requests?limit=200',
  meshModels: '/api/v1/models?mesh=true',
};

/** @returns the state before anything is fetched */
export function initial() {
  return {
    data: {}, // resource name -> the API's JSON
    fetchedAt: {}, // resource name -> ms since the epoch
    errors: {}, // resource name -> message of the last failed fetch
    feed: [], // newest first
    types: [], // event types seen, sorted
    history: {}, // member id -> the state changes this page saw, oldest first: [{state, time}]
    requests: [], // the request log, newest first: GET /api/v1/requests and request.completed events, one entry per requestId
    rtt: emptyRtt(), // each member's measured round trip, sampled at each members fetch (lib/series.js)
    progress: {}, // "deploy <model> <node>" or "pull <name> <from>" -> {label, done, total, state, message}
    connection: 'connecting', // connecting | live | reconnecting
    lastEventId: 0,
    paused: false,
  };
}

/** @returns the resources an event of this type may have changed */
export function affected(type) {
  const t = String(type || '');
  if (t === 'mesh.member' || t === 'mesh.capabilities' || t === 'capabilities.changed') return ['mesh', 'members', 'models'];
  if (t.startsWith('mesh.')) return ['mesh', 'members', 'status'];
  if (t.startsWith('backend.')) return ['backends', 'models'];
  if (t.startsWith('plugin.')) return ['status', 'backends', 'models'];
  if (t.startsWith('model.registered') || t === 'model.pulled' || t === 'model.pull.done' || t === 'model.deployed') return ['models', 'meshModels'];
  if (t === 'request.completed') return ['usage'];
  if (t === 'node.started' || t === 'node.stopping') return ['status'];
  return [];
}

/**
 * @param state the state
 * @param action {type: 'event', event} | {type: 'events', events} (several, in order) | {type: 'fetched', name, json, at} | {type: 'failed', name, message}
 *               | {type: 'connection', value} | {type: 'pause', value}
 * @returns the next state (the old one is not changed)
 */
export function reduce(state, action) {
  switch (action.type) {
    case 'event': {
      const e = action.event;
      const id = Number(e.id) || 0;
      if (id && id <= state.lastEventId) return state; // a resumed stream repeats nothing
      const feed = state.paused ? state.feed : [e, ...state.feed].slice(0, FEED_LIMIT);
      const types = state.types.includes(e.type) ? state.types : [...state.types, e.type].sort();
      let history = state.history;
      if (e.type === 'mesh.member' && e.member) {
        const seen = [...(history[e.member] || []), { state: e.state, time: e.time }].slice(-HISTORY_LIMIT);
        history = { ...history, [e.member]: seen };
      }
      const requests = e.type === 'request.completed' && !action.deferRequests ? mergeRequests(state.requests, [e]) : state.requests;
      const progress = progressOf(state.progress, e);
      return { ...state, feed, types, history, requests, progress, lastEventId: Math.max(state.lastEventId, id) };
    }
    case 'events': {
      // one by one, except that the request log merges the batch's requests once
      const next = action.events.reduce((s, event) => reduce(s, { type: 'event', event, deferRequests: true }), state);
      const ids = new Set(state.requests.map((r) => r.requestId));
      const fresh = action.events.filter((e) => e.type === 'request.completed' && (!(Number(e.id) > 0) || Number(e.id) > state.lastEventId) && !ids.has(e.requestId));
      return fresh.length ? { ...next, requests: mergeRequests(next.requests, fresh) } : next;
    }
    case 'fetched': {
      const errors = { ...state.errors };
      delete errors[action.name];
      const requests = action.name === 'requests' ? mergeRequests(state.requests, action.json.requests || []) : state.requests;
      const rtt = action.name === 'members' ? addRtt(state.rtt, action.json.members, action.at) : state.rtt;
      return {
        ...state,
        requests,
        rtt,
        data: { ...state.data, [action.name]: action.json },
        fetchedAt: { ...state.fetchedAt, [action.name]: action.at },
        errors,
      };
    }
    case 'failed':
      return { ...state, errors: { ...state.errors, [action.name]: action.message } };
    case 'connection':
      return { ...state, connection: action.value };
    case 'pause':
      return { ...state, paused: action.value };
    default:
      return state;
  }
}

/** @returns the feed's events whose type starts with the filter (all when it is empty) */
export function visibleFeed(state, typeFilter) {
  const f = String(typeFilter || '');
  return f ? state.feed.filter((e) => String(e.type).startsWith(f)) : state.feed;
}

/** @returns whether what is shown may be out of date: the stream is down */
export function stale(state) {
  return state.connection !== 'live';
}

/** @returns the number in a request id ("req-42" -> 42) */
function requestNumber(r) {
  return Number(String(r.requestId || '').replace(/^req-/, '')) || 0;
}

/** @returns the two lists of requests as one, newest first, each request once, bounded */
export function mergeRequests(kept, more) {
  const byId = new Map(kept.map((r) => [r.requestId, r]));
  for (const r of more) if (r && r.requestId) byId.set(r.requestId, { ...byId.get(r.requestId), ...r });
  return [...byId.values()].sort((a, b) => requestNumber(b) - requestNumber(a)).slice(0, REQUEST_LIMIT);
}

/** @returns the requests that match a free-text filter over client, model asked, route, status and error */
export function visibleRequests(requests, filter) {
  const words = String(filter || '').toLowerCase().split(/\s+/).filter(Boolean);
  return requests.filter((r) => {
    const hay = [r.client, r.modelAsked, r.route, String(r.status), r.error, r.failover && r.failover.length ? 'failover' : '']
      .map((f) => String(f ?? '').toLowerCase());
    return words.every((w) => hay.some((f) => f.includes(w)));
  });
}

/**
 * Progress of deploys (model.progress, model.deployed, model.deploy.failed) and pulls
 * (model.pull.progress, model.pull.done, model.pull.failed), per model and node.
 * @returns the next progress map (the old one when the event is about neither)
 */
export function progressOf(progress, e) {
  const t = String(e.type || '');
  if (t === 'model.progress' || t === 'model.deployed' || t === 'model.deploy.failed') {
    const key = `deploy ${e.model} ${e.node || e.target || e.nodeId}`;
    const was = progress[key] || { label: `${e.model} on ${e.node || e.target || e.nodeId}`, done: 0, total: 0 };
    const next = t === 'model.progress'
      ? { ...was, done: Number(e.completed ?? e.done ?? was.done) || 0, total: Number(e.total ?? was.total) || 0, state: 'running', message: e.status || '' }
      : { ...was, state: t === 'model.deployed' ? 'done' : 'failed', message: e.error || e.status || '' };
    if (next.state === 'done' && next.total) next.done = next.total;
    return { ...progress, [key]: next };
  }
  if (t === 'model.pull.progress' || t === 'model.pull.done' || t === 'model.pull.failed') {
    const key = `pull ${e.name} ${e.from}`;
    const was = progress[key] || { label: `${e.name} from ${e.from}`, done: 0, total: 0 };
    const next = t === 'model.pull.progress'
      ? { ...was, done: Number(e.bytes ?? e.done ?? was.done) || 0, total: Number(e.total ?? was.total) || 0, state: 'running', message: '' }
      : { ...was, state: t === 'model.pull.done' ? 'done' : 'failed', message: e.error || '' };
    if (next.state === 'done' && next.total) next.done = next.total;
    return { ...progress, [key]: next };
  }
  return progress;
}
