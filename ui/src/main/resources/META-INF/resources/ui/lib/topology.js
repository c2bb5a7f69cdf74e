// The mesh as a graph, from GET /api/v1/mesh/members: where each member is drawn and which links
// exist. Pure: node --test checks it. A link exists only where a member measured it: this node's
// own links (its entry's links), and the links other members published in their profiles. One
// line per pair of members; this node's own measurement wins, then the lower node id's.

/**
 * @param members the members as the API lists them (this node first, with self: true)
 * @param width the drawing's width
 * @param height its height
 * @returns {nodes: [{nodeId, name, state, self, x, y}], links: [{a, b, transport, rttMs, by}]}
 */
export function topologyOf(members, width, height) {
  const list = members || [];
  if (list.length === 0) return { nodes: [], links: [] };
  const self = list.find((m) => m.self) || list[0];
  const others = list.filter((m) => m !== self && m.state !== 'left');
  const cx = width / 2;
  const cy = height / 2;
  const r = Math.min(width, height) / 2 - 60;
  const nodes = [{ nodeId: self.nodeId, name: self.name, state: self.state, self: true, x: cx, y: cy }];
  others.forEach((m, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, others.length);
    nodes.push({ nodeId: m.nodeId, name: m.name, state: m.state, self: false,
      x: Math.round(cx + r * Math.cos(angle)), y: Math.round(cy + r * Math.sin(angle)) });
  });
  const known = new Set(nodes.map((n) => n.nodeId));
  const byPair = new Map();
  const add = (by, link, rank) => {
    if (!known.has(link.nodeId) || link.nodeId === by) return;
    const [a, b] = [by, link.nodeId].sort();
    const key = `${a} ${b}`;
    const was = byPair.get(key);
    if (!was || rank < was.rank || (rank === was.rank && by < was.by)) {
      byPair.set(key, { a, b, transport: link.transport, rttMs: link.rttMs, by, rank });
    }
  };
  for (const l of self.links || []) add(self.nodeId, l, 0);
  for (const m of others) for (const l of m.links || []) add(m.nodeId, l, 1);
  const links = [...byPair.values()].map(({ rank, ...l }) => l).sort((x, y) => (x.a + x.b).localeCompare(y.a + y.b));
  return { nodes, links };
}
