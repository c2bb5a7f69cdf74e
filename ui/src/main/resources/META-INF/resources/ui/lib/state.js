// The dashboard's state and how the live event stream changes it. Pure: node --test checks it.
// Figures come only from API responses; an event says which of them to fetch again.

/** Events kept in the feed. */
export const FEED_LIMIT = 500;
/** State changes kept per member. */
export const HISTORY_LIMIT = 20;

/** The resources the dashboard shows, and the endpoint of each. */
export const RESOURCES = {
  status: '/api/v1/status',
  mesh: '/api/v1/mesh',
  members: '/api/v1/mesh/members',
  backends: '/api/v1/backends',
  models: '/v1/models',
  policy: '/api/v1/policy',
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
  if (t.startsWith('model.registered') || t === 'model.pulled') return ['models'];
  if (t === 'node.started' || t === 'node.stopping') return ['status'];
  return [];
}

/**
 * @param state the state
 * @param action {type: 'event', event} | {type: 'fetched', name, json, at} | {type: 'failed', name, message}
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
      return { ...state, feed, types, history, lastEventId: Math.max(state.lastEventId, id) };
    }
    case 'fetched': {
      const errors = { ...state.errors };
      delete errors[action.name];
      return {
        ...state,
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
