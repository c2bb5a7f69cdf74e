import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topologyOf } from '../../main/resources/META-INF/resources/ui/lib/topology.js';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const D = 'dddddddddddddddd';

test('this node in the middle, its own links as it measured them, the others only as published', () => {
  const members = [
    { nodeId: B, name: 'bravo', state: 'alive', self: true, links: [{ nodeId: A, transport: 'websocket', rttMs: 0.4 }, { nodeId: C, transport: 'relay', rttMs: 3.1 }] },
    { nodeId: A, name: 'alpha', state: 'alive', self: false, links: [{ nodeId: B, transport: 'websocket', rttMs: 0.9 }, { nodeId: C, transport: 'websocket', rttMs: 1.5 }] },
    { nodeId: C, name: 'charlie', state: 'alive', self: false }, // published nothing yet
    { nodeId: D, name: 'delta', state: 'left', self: false, links: [{ nodeId: A, transport: 'websocket', rttMs: 2 }] },
  ];
  const { nodes, links } = topologyOf(members, 800, 400);
  assert.deepEqual(nodes.map((n) => [n.nodeId, n.self]), [[B, true], [A, false], [C, false]], 'a member that left is not drawn');
  assert.deepEqual(nodes[0], { nodeId: B, name: 'bravo', state: 'alive', self: true, x: 400, y: 200 });
  assert.deepEqual(links, [
    { a: A, b: B, transport: 'websocket', rttMs: 0.4, by: B }, // this node's own measurement wins over alpha's 0.9
    { a: A, b: C, transport: 'websocket', rttMs: 1.5, by: A }, // published by alpha
    { a: B, b: C, transport: 'relay', rttMs: 3.1, by: B },
  ]);
});

test('no link is invented: a pair nobody measured has none, and links to strangers are dropped', () => {
  const members = [
    { nodeId: A, name: 'alpha', state: 'alive', self: true, links: [] },
    { nodeId: B, name: 'bravo', state: 'alive', self: false, links: [{ nodeId: 'eeeeeeeeeeeeeeee', transport: 'websocket', rttMs: 1 }] },
    { nodeId: C, name: 'charlie', state: 'alive', self: false },
  ];
  assert.deepEqual(topologyOf(members, 800, 400).links, []);
  assert.deepEqual(topologyOf([], 800, 400), { nodes: [], links: [] });
});
