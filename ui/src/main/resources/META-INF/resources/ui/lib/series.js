// The charts' data: pure functions (node --test checks them) from what the API reported to the
// columns uPlot draws — x in seconds since the epoch, one array per series, null where nothing was
// measured (uPlot leaves a gap; a chart never invents a point).

/** Minutes the charts show. */
export const WINDOW_MINUTES = 15;
/** Round-trip samples kept: one per members fetch, for the window. */
export const RTT_SAMPLES = 200;

/**
 * @param usage GET /api/v1/usage
 * @param now milliseconds since the epoch
 * @returns {x, requestsPerSecond, tokensPerSecond, failovers}: the last WINDOW_MINUTES minutes; the
 *          current minute's rates are over the seconds it has had so far
 */
export function usageSeries(usage, now) {
  const minutes = ((usage && usage.minutes) || []).slice(-WINDOW_MINUTES);
  const out = { x: [], requestsPerSecond: [], tokensPerSecond: [], failovers: [] };
  for (const m of minutes) {
    const start = Date.parse(m.start);
    if (Number.isNaN(start)) continue;
    const f = m.figures || {};
    const seconds = Math.min(60, Math.max(1, (now - start) / 1000));
    out.x.push(start / 1000);
    out.requestsPerSecond.push(round((f.requests || 0) / seconds));
    out.tokensPerSecond.push(round((f.tokensOut || 0) / seconds));
    out.failovers.push(f.failovers || 0);
  }
  return out;
}

function round(v) {
  return Math.round(v * 1000) / 1000;
}

/** @returns no round-trip samples yet */
export function emptyRtt() {
  return { times: [], members: {} }; // members: id -> {name, values} (values align with times)
}

/**
 * Adds one sample of every member's measured round trip (members without one get null), drops
 * samples older than the window, and keeps at most RTT_SAMPLES.
 * @param rtt the samples so far (not changed)
 * @param members GET /api/v1/mesh/members's members
 * @param at milliseconds since the epoch
 * @returns the samples with this one
 */
export function addRtt(rtt, members, at) {
  const others = (members || []).filter((m) => !m.self);
  const times = [...rtt.times, at / 1000];
  const ids = new Set([...Object.keys(rtt.members), ...others.map((m) => m.nodeId)]);
  const next = {};
  for (const id of ids) {
    const was = rtt.members[id] || { name: id, values: rtt.times.map(() => null) };
    const m = others.find((o) => o.nodeId === id);
    next[id] = { name: m ? m.name : was.name, values: [...was.values, m && typeof m.rttMs === 'number' ? m.rttMs : null] };
  }
  const oldest = at / 1000 - WINDOW_MINUTES * 60;
  let from = times.findIndex((t) => t >= oldest);
  from = Math.max(from < 0 ? times.length : from, times.length - RTT_SAMPLES);
  const kept = {};
  for (const [id, s] of Object.entries(next)) {
    const values = s.values.slice(from);
    if (values.some((v) => v !== null)) kept[id] = { name: s.name, values };
  }
  return { times: times.slice(from), members: kept };
}

/** @returns uPlot's data for the round trips: [x, one array per member], and the members' names in that order */
export function rttColumns(rtt) {
  const ids = Object.keys(rtt.members).sort();
  return { data: [rtt.times, ...ids.map((id) => rtt.members[id].values)], names: ids.map((id) => rtt.members[id].name) };
}
