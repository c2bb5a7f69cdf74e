// Topology: this node and its members as a graph. The links this node measures itself are drawn
// with their transport and round trip; links between other members only as they publish them in
// their signed profiles (never inferred: a link nobody measured is not drawn). The member that
// served the latest request is highlighted.
import { h } from './vendor/preact.js';
import htm from './vendor/htm.js';
import { topologyOf } from './lib/topology.js';

const html = htm.bind(h);
const W = 760;
const H = 460;

export function Topology({ state }) {
  const members = (state.data.members || {}).members || [];
  const latest = (state.requests || [])[0];
  const { nodes, links } = topologyOf(members, W, H);
  const served = latest && latest.node;
  if (nodes.length === 0) {
    return html`<section aria-labelledby="topology-h"><h2 id="topology-h">Topology</h2>
      <p>This node is in no mesh: there is nothing to draw but itself.</p></section>`;
  }
  const at = Object.fromEntries(nodes.map((n) => [n.nodeId, n]));
  return html`<section aria-labelledby="topology-h">
    <h2 id="topology-h">Topology</h2>
    <p class="muted">Solid: a direct link (websocket); dashed: through a relay. Round trips as measured by the member at the
      link's end that publishes it${served ? html`; outlined: the node that served the latest request (${latest.route || served})` : ''}.</p>
    <svg class="topology" viewBox=${`0 0 ${W} ${H}`} width=${W} height=${H} role="img" aria-label="The mesh's members and the links between them">
      ${links.map((l) => html`<g key=${`${l.a}-${l.b}`} class=${`link ${l.transport}`} data-link=${`${l.a} ${l.b}`} data-transport=${l.transport}
          data-measured-by=${l.by}>
        <line x1=${at[l.a].x} y1=${at[l.a].y} x2=${at[l.b].x} y2=${at[l.b].y} stroke-dasharray=${l.transport === 'relay' ? '6 4' : undefined} />
        <text x=${(at[l.a].x + at[l.b].x) / 2} y=${(at[l.a].y + at[l.b].y) / 2 - 4} text-anchor="middle">${l.transport} ${l.rttMs} ms</text>
      </g>`)}
      ${nodes.map((n) => html`<g key=${n.nodeId} class=${`node ${n.state}${n.self ? ' self' : ''}${n.nodeId === served ? ' served' : ''}`}
          data-topology-node=${n.nodeId} data-served=${n.nodeId === served ? 'true' : undefined}>
        <circle cx=${n.x} cy=${n.y} r=${n.self ? 26 : 20} />
        <text x=${n.x} y=${n.y + (n.self ? 42 : 36)} text-anchor="middle">${n.name}${n.self ? ' (this node)' : ''}</text>
      </g>`)}
    </svg>
    <table class="links">
      <thead><tr><th scope="col">Between</th><th scope="col">Transport</th><th scope="col">Round trip</th><th scope="col">Measured by</th></tr></thead>
      <tbody>${links.map((l) => html`<tr key=${`${l.a}-${l.b}`}><td>${at[l.a].name} — ${at[l.b].name}</td><td>${l.transport}</td>
        <td>${l.rttMs} ms</td><td>${at[l.by] ? at[l.by].name : l.by}</td></tr>`)}</tbody>
    </table>
  </section>`;
}
