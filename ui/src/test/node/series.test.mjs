import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTT_SAMPLES, WINDOW_MINUTES, addRtt, emptyRtt, rttColumns, usageSeries } from '../../main/resources/META-INF/resources/ui/lib/series.js';
import { REQUEST_LIMIT, initial, mergeRequests, progressOf, reduce, visibleRequests } from '../../main/resources/META-INF/resources/ui/lib/state.js';
import { bytes, sseData } from '../../main/resources/META-INF/resources/ui/lib/format.js';

const minute = (start, requests, tokensOut, failovers) => ({ start, figures: { requests, tokensOut, failovers, tokensIn: 0, errors: 0 } });

test('usage minutes become per-second rates over the last window, the current minute over its seconds so far', () => {
  const minutes = [];
  for (let i = 0; i < 60; i++) minutes.push(minute(new Date(Date.UTC(2026, 11, 5, 10, i)).toISOString(), 60, 120, i === 59 ? 2 : 0));
  const now = Date.UTC(2026, 11, 5, 10, 59, 30); // 30 s into the last minute
  const s = usageSeries({ minutes }, now);
  assert.equal(s.x.length, WINDOW_MINUTES);
  assert.equal(s.x[0], Date.UTC(2026, 11, 5, 10, 45) / 1000);
  assert.equal(s.requestsPerSecond[0], 1, 'a whole minute: 60 requests are 1/s');
  assert.equal(s.tokensPerSecond[0], 2);
  assert.equal(s.requestsPerSecond[WINDOW_MINUTES - 1], 2, 'the current minute: 60 requests in 30 s');
  assert.deepEqual(s.failovers.slice(-2), [0, 2]);
  assert.deepEqual(usageSeries(undefined, now), { x: [], requestsPerSecond: [], tokensPerSecond: [], failovers: [] });
});

test('round trips are sampled per member, never invented, and bounded by the window and the count', () => {
  const t0 = Date.UTC(2026, 11, 5, 10, 0);
  let r = emptyRtt();
  r = addRtt(r, [{ nodeId: 'self', self: true }, { nodeId: 'a', name: 'alpha', rttMs: 3 }], t0);
  r = addRtt(r, [{ nodeId: 'a', name: 'alpha' }, { nodeId: 'b', name: 'bravo', rttMs: 9 }], t0 + 5000);
  const c = rttColumns(r);
  assert.deepEqual(c.names, ['alpha', 'bravo']);
  assert.deepEqual(c.data, [[t0 / 1000, t0 / 1000 + 5], [3, null], [null, 9]], 'gaps where nothing was measured');
  r = addRtt(r, [{ nodeId: 'b', name: 'bravo', rttMs: 8 }], t0 + (WINDOW_MINUTES * 60 + 1) * 1000);
  assert.deepEqual(rttColumns(r).data, [[t0 / 1000 + 5, t0 / 1000 + WINDOW_MINUTES * 60 + 1], [9, 8]], 'older than the window: gone, and alpha with it');
  let many = emptyRtt();
  for (let i = 0; i < RTT_SAMPLES + 10; i++) many = addRtt(many, [{ nodeId: 'a', name: 'alpha', rttMs: i }], t0 + i * 1000);
  assert.equal(many.times.length, RTT_SAMPLES);
  assert.equal(many.members.a.values[RTT_SAMPLES - 1], RTT_SAMPLES + 9);
});

test('the request log merges the fetched list and the events: newest first, each once, bounded', () => {
  const req = (n, extra = {}) => ({ requestId: `req-${n}`, client: 'local', modelAsked: 'auto', route: 'a/ollama/m', status: 200, failover: [], ...extra });
  let s = reduce(initial(), { type: 'event', event: { id: 1, type: 'request.completed', ...req(3) } });
  s = reduce(s, { type: 'fetched', name: 'requests', json: { requests: [req(2), req(1), req(3)] }, at: 0 });
  assert.deepEqual(s.requests.map((r) => r.requestId), ['req-3', 'req-2', 'req-1']);
  const many = [];
  for (let i = 1; i <= REQUEST_LIMIT + 5; i++) many.push(req(i));
  assert.equal(mergeRequests([], many).length, REQUEST_LIMIT);
  assert.equal(mergeRequests([], many)[0].requestId, `req-${REQUEST_LIMIT + 5}`);
  const list = [req(1), req(2, { failover: ['x (down)'], route: 'b/ollama/m' }), req(3, { status: 503 })];
  assert.deepEqual(visibleRequests(list, 'failover').map((r) => r.requestId), ['req-2']);
  assert.deepEqual(visibleRequests(list, '503').map((r) => r.requestId), ['req-3']);
  assert.equal(visibleRequests(list, '').length, 3);
});

test('deploys and pulls show progress per node until done or failed', () => {
  let p = {};
  p = progressOf(p, { type: 'model.progress', model: 'm', node: 'a', status: 'pulling', total: 200, completed: 50 });
  assert.deepEqual(p['deploy m a'], { label: 'm on a', done: 50, total: 200, state: 'running', message: 'pulling' });
  p = progressOf(p, { type: 'model.deployed', model: 'm', node: 'a' });
  assert.equal(p['deploy m a'].state, 'done');
  assert.equal(p['deploy m a'].done, 200);
  p = progressOf(p, { type: 'model.deploy.failed', model: 'm', node: 'b', error: 'no Ollama' });
  assert.equal(p['deploy m b'].message, 'no Ollama');
  p = progressOf(p, { type: 'model.pull.progress', name: 'f.gguf', from: 'a', bytes: 10, total: 40 });
  p = progressOf(p, { type: 'model.pull.done', name: 'f.gguf', from: 'a' });
  assert.deepEqual([p['pull f.gguf a'].done, p['pull f.gguf a'].state], [40, 'done']);
  assert.equal(progressOf(p, { type: 'tool.ran' }), p, 'other events change nothing');
});

test('server-sent frames and byte counts', () => {
  assert.equal(sseData('data: {"a":1}'), '{"a":1}');
  assert.equal(sseData(': keep-alive'), null);
  assert.equal(sseData('event: x\ndata: a\ndata: b'), 'a\nb');
  assert.equal(bytes(812), '812 B');
  assert.equal(bytes(3_400_000), '3.4 MB');
  assert.equal(bytes(undefined), '—');
});

test('a batch of events is the same as the events one by one', () => {
  const events = [
    { id: 1, type: 'request.completed', requestId: 'req-1', time: 't' },
    { id: 2, type: 'mesh.member', member: 'a', state: 'alive', time: 't' },
    { id: 3, type: 'request.completed', requestId: 'req-2', time: 't' },
  ];
  const one = events.reduce((s, event) => reduce(s, { type: 'event', event }), initial());
  assert.deepEqual(reduce(initial(), { type: 'events', events }), one);
});
