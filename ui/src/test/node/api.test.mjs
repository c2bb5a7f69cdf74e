import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusal } from '../../main/resources/META-INF/resources/ui/lib/api.js';

test('a refusal says why, as the node put it, and what lets the user in', () => {
  const out = refusal({ status: 401, json: { error: { message: 'This request needs the admin token.' } } }, false);
  assert.match(out, /^Refused: This request needs the admin token\. Sign in first: run 'atmosphere dashboard'/);
  const key = refusal({ status: 403, json: { error: { message: 'Only the node\'s admin may create API keys.' } } }, true);
  assert.match(key, /Only the node's admin may create API keys\. This page's sign-in lacks the rights/);
  assert.equal(refusal({ status: 500, json: {} }, true), 'HTTP 500');
});
