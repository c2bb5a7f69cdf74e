import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, duration, matches, num, stateClass } from '../../main/resources/META-INF/resources/ui/lib/format.js';

test('durations read as people say them, and nonsense as a dash', () => {
  assert.equal(duration(12), '12 s');
  assert.equal(duration(62), '1 min 2 s');
  assert.equal(duration(2 * 3600 + 5 * 60 + 9), '2 h 5 min');
  assert.equal(duration(3 * 86400 + 4 * 3600), '3 d 4 h');
  assert.equal(duration(undefined), '—');
  assert.equal(duration(-1), '—');
});

test('ago is relative to the now it is given', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  assert.equal(ago('2026-12-05T09:59:59.5Z', now), 'just now');
  assert.equal(ago('2026-12-05T09:58:00Z', now), '2 min 0 s ago');
  assert.equal(ago('not a time', now), '—');
  assert.equal(ago(null, now), '—');
});

test('numbers are shown as the API gave them', () => {
  assert.equal(num(1.25), '1.25');
  assert.equal(num(0), '0');
  assert.equal(num(null), '—');
  assert.equal(num(Number.NaN), '—');
});

test('every state has a class, unknown ones a warning', () => {
  assert.equal(stateClass('alive'), 'ok');
  assert.equal(stateClass('SUSPECT'), 'warn');
  assert.equal(stateClass('dead'), 'bad');
  assert.equal(stateClass('something new'), 'warn');
});

test('a filter matches when every word is in some field', () => {
  assert.ok(matches(['laptop', 'ab12', 'alive'], 'lap ALIVE'));
  assert.ok(!matches(['laptop', 'ab12', 'alive'], 'lap dead'));
  assert.ok(matches(['x'], '   '));
});
