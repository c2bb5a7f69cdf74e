import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEED_LIMIT, HISTORY_LIMIT, affected, initial, reduce, stale, visibleFeed } from '../../main/resources/META-INF/resources/ui/lib/state.js';

const ev = (id, type, extra = {}) => ({ id, type, time: '2026-12-05T10:00:00Z', nodeId: 'n1', ...extra });

test('events go to the feed newest first, and a resumed stream repeats none', () => {
  let s = initial();
  s = reduce(s, { type: 'event', event: ev(1, 'backend.up') });
  s = reduce(s, { type: 'event', event: ev(2, 'mesh.member', { state: 'suspect' }) });
  s = reduce(s, { type: 'event', event: ev(2, 'mesh.member', { state: 'suspect' }) });
  assert.deepEqual(s.feed.map((e) => e.id), [2, 1]);
  assert.deepEqual(s.types, ['backend.up', 'mesh.member']);
  assert.equal(s.lastEventId, 2);
});

test('the feed is bounded', () => {
  let s = initial();
  for (let i = 1; i <= FEED_LIMIT + 20; i++) s = reduce(s, { type: 'event', event: ev(i, 'tool.ran') });
  assert.equal(s.feed.length, FEED_LIMIT);
  assert.equal(s.feed[0].id, FEED_LIMIT + 20);
});

test('pausing keeps the feed as it is while events still count', () => {
  let s = reduce(initial(), { type: 'event', event: ev(1, 'tool.ran') });
  s = reduce(s, { type: 'pause', value: true });
  s = reduce(s, { type: 'event', event: ev(2, 'notify') });
  assert.deepEqual(s.feed.map((e) => e.id), [1]);
  assert.equal(s.lastEventId, 2);
  assert.deepEqual(s.types, ['notify', 'tool.ran']);
});

test('a fetched resource replaces the old one as the API sent it, and clears its error', () => {
  let s = reduce(initial(), { type: 'failed', name: 'members', message: 'HTTP 500' });
  const json = { members: [{ nodeId: 'a', rttMs: 1.5 }] };
  s = reduce(s, { type: 'fetched', name: 'members', json, at: 42 });
  assert.equal(s.data.members, json);
  assert.equal(s.fetchedAt.members, 42);
  assert.equal(s.errors.members, undefined);
});

test('an event names what to fetch again', () => {
  assert.deepEqual(affected('mesh.member'), ['mesh', 'members', 'models']);
  assert.deepEqual(affected('backend.down'), ['backends', 'models']);
  assert.deepEqual(affected('mesh.join.granted'), ['mesh', 'members', 'status']);
  assert.deepEqual(affected('tool.ran'), []);
});

test('the type filter and the stale marker', () => {
  let s = initial();
  s = reduce(s, { type: 'event', event: ev(1, 'mesh.member') });
  s = reduce(s, { type: 'event', event: ev(2, 'mesh.join.pending') });
  s = reduce(s, { type: 'event', event: ev(3, 'tool.ran') });
  assert.deepEqual(visibleFeed(s, 'mesh.').map((e) => e.id), [2, 1]);
  assert.equal(visibleFeed(s, '').length, 3);
  assert.ok(stale(s));
  assert.ok(!stale(reduce(s, { type: 'connection', value: 'live' })));
});

test("a member's state changes are kept in order, bounded, apart from the feed", () => {
  let s = reduce(initial(), { type: 'pause', value: true });
  s = reduce(s, { type: 'event', event: ev(1, 'mesh.member', { member: 'm1', name: 'phone', state: 'suspect' }) });
  s = reduce(s, { type: 'event', event: ev(2, 'mesh.member', { member: 'm1', name: 'phone', state: 'dead' }) });
  s = reduce(s, { type: 'event', event: ev(3, 'mesh.member', { member: 'm2', name: 'nas', state: 'alive' }) });
  assert.deepEqual(s.history.m1.map((h) => h.state), ['suspect', 'dead']);
  assert.deepEqual(s.history.m2.map((h) => h.state), ['alive']);
  assert.equal(s.feed.length, 0, 'paused: the feed stands still, the history does not');
  for (let i = 10; i < 50; i++) s = reduce(s, { type: 'event', event: ev(i, 'mesh.member', { member: 'm3', state: i % 2 ? 'alive' : 'suspect' }) });
  assert.equal(s.history.m3.length, HISTORY_LIMIT);
  assert.equal(s.history.m3.at(-1).state, 'alive');
});
