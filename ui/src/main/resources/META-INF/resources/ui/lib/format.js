// Formatting for the dashboard. Pure functions: no DOM, no clock of their own (the caller passes
// "now"), so node --test checks them. They format what the API reports; they never compute a
// figure the API does not give.

/** @returns "3 d 4 h", "2 h 5 min", "4 min 2 s" or "12 s" for a number of seconds */
export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${r} s`;
  return `${r} s`;
}

/** @returns how long ago an ISO-8601 instant was, relative to now (milliseconds since the epoch) */
export function ago(iso, now) {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 2 ? 'just now' : `${duration(s)} ago`;
}

/** @returns a number as the API reported it, or "—" when it reported none */
export function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '—';
}

/** Member and backend states, as words and the class that colours them (never colour alone). */
const STATES = {
  alive: 'ok', up: 'ok', healthy: 'ok',
  suspect: 'warn', degraded: 'warn', unknown: 'warn',
  dead: 'bad', down: 'bad', left: 'gone', revoked: 'bad',
};

/** @returns the CSS class of a state word */
export function stateClass(state) {
  return STATES[String(state || '').toLowerCase()] || 'warn';
}

/** @returns whether a row matches a free-text filter (every word must appear in one of its fields) */
export function matches(fields, filter) {
  const words = String(filter || '').toLowerCase().split(/\s+/).filter(Boolean);
  const hay = fields.map((f) => String(f ?? '').toLowerCase());
  return words.every((w) => hay.some((f) => f.includes(w)));
}

/** @returns the data of one server-sent-events frame (its data: lines joined), or null when it has none */
export function sseData(frame) {
  const lines = String(frame || '').split('\n').filter((l) => l.startsWith('data:'));
  return lines.length ? lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n') : null;
}

/** @returns a byte count as "812 B", "3.4 MB", "1.2 GB" */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
