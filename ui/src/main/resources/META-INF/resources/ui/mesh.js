// Mesh administration: create a mesh; invite (the link, its LAN short code and a QR code of the
// link); join requests waiting, approved or denied here; admins made and removed; a member revoked
// (its consequences spelled out, confirmed first); leaving the mesh. The node decides what this
// page may do: a refusal is shown with its reason.
import { h } from './vendor/preact.js';
import { useEffect, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { request, refusal } from './lib/api.js';

const html = htm.bind(h);
const PENDING_MS = 2000; // join requests are asked for this often while the view is open (and at each mesh.join.* event)

// the QR encoder (52 KB) is fetched the first time an invite is shown, not with the page
let encoder = null;
const loadEncoder = () => (encoder = encoder || import('./vendor/qrcode.js').then((m) => m.default));

/**
 * @returns the QR code of a text at error correction M, or at L (a quarter more room) when M cannot
 *          hold it — an invite through a relay carries a join ticket — or null when neither can
 */
function encode(qrcode, text) {
  for (const level of ['M', 'L']) {
    try {
      const qr = qrcode(0, level);
      qr.addData(text, 'Byte');
      qr.make();
      return qr;
    } catch (e) {
      // code length overflow: try the next level
    }
  }
  return null;
}

/** A QR code of a text, drawn as SVG from its modules (one path; a quiet zone of 4 modules). */
export function QrCode({ text, label }) {
  const [qrcode, setQrcode] = useState(null);
  useEffect(() => {
    loadEncoder().then((f) => setQrcode(() => f));
  }, []);
  if (!qrcode) return html`<p class="muted">Drawing the QR code…</p>`;
  const qr = encode(qrcode, text);
  if (!qr) return html`<p class="muted">Too long for a QR code: copy the link instead.</p>`;
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
    }
  }
  const size = n + 8;
  const px = size * Math.max(3, Math.min(8, Math.floor(640 / size))); // whole pixels per module, at most ~640 px
  return html`<svg class="qr" role="img" aria-label=${label} viewBox=${`0 0 ${size} ${size}`} width=${px} height=${px}
    shape-rendering="crispEdges" data-qr=${text}><rect width=${size} height=${size} fill="#fff" /><path d=${d} fill="#000" /></svg>`;
}

const post = (path, body) => request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });

export function Mesh({ state, signedIn }) {
  const mesh = state.data.mesh || {};
  const members = (state.data.members || {}).members || [];
  const [message, setMessage] = useState('');
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState('1h');
  const [uses, setUses] = useState(1);
  const [invite, setInvite] = useState(null);
  const [pending, setPending] = useState([]);
  const [revoking, setRevoking] = useState(null); // {nodeId, name, refusal?}
  const [leaving, setLeaving] = useState(false);
  const say = (r, ok) => setMessage(r.ok ? ok(r.json) : refusal(r, signedIn));
  const loadPending = () => request('/api/v1/mesh/joins').then((r) => { if (r.ok) setPending(r.json.pending); });
  useEffect(() => {
    if (!mesh.member) return undefined;
    const t = setInterval(loadPending, PENDING_MS);
    return () => clearInterval(t);
  }, [mesh.member]);
  // a join request or decision: asked for at once (never for the other events a busy node streams)
  const latestJoin = (state.feed.find((e) => String(e.type).startsWith('mesh.join.')) || {}).id;
  useEffect(() => {
    if (mesh.member) loadPending();
  }, [mesh.member, latestJoin]);

  const create = (ev) => {
    ev.preventDefault();
    post('/api/v1/mesh/create', { name }).then((r) => say(r, (j) => `Mesh ${j.name || name} created: this node is its founder.`));
  };
  const makeInvite = (ev) => {
    ev.preventDefault();
    setInvite(null);
    post('/api/v1/mesh/invites', { ttl, uses: Number(uses) }).then((r) => {
      if (r.ok) {
        setInvite(r.json);
        setMessage('');
      } else {
        setMessage(refusal(r, signedIn));
      }
    });
  };
  const decide = (p, deny) => post(`/api/v1/mesh/joins/${encodeURIComponent(p.nodeId)}/${deny ? 'deny' : 'approve'}`)
    .then((r) => { say(r, () => `${deny ? 'Denied' : 'Approved'} ${p.name} (${p.nodeId}).`); loadPending(); });
  const admin = (m, remove) => post('/api/v1/mesh/admins', { nodeId: m.nodeId, remove })
    .then((r) => say(r, (j) => (remove ? `${m.name} is no longer an admin.` : `${m.name} is now an admin${j.expires ? ` (until ${j.expires})` : ''}.`)));
  const revoke = (confirm) => post('/api/v1/mesh/revoke', { nodeId: revoking.nodeId, confirm }).then((r) => {
    if (r.ok) {
      setMessage(`Revoked ${revoking.name}: refused everywhere from now on${r.json.cutOff.length ? `; cut off with it: ${r.json.cutOff.join(', ')}` : ''}.`);
      setRevoking(null);
    } else if (r.status === 400 || r.status === 409) {
      setRevoking({ ...revoking, refusal: (r.json.error || {}).message }); // the members it would cut off: confirm again
    } else {
      setMessage(refusal(r, signedIn));
      setRevoking(null);
    }
  });
  const leave = () => post('/api/v1/mesh/leave').then((r) => { say(r, (j) => `Left mesh ${j.name}.`); setLeaving(false); });

  if (!mesh.member) {
    return html`<section aria-labelledby="mesh-h">
      <h2 id="mesh-h">Mesh</h2>
      <p>This node is in no mesh. Create one here and invite your other devices, or join one from the CLI: <code>atmosphere mesh join LINK</code>.</p>
      <form class="mesh-create" onSubmit=${create}>
        <label for="mesh-name">Name</label>
        <input id="mesh-name" required value=${name} onInput=${(e) => setName(e.target.value)} placeholder="home" />
        <button type="submit" id="mesh-create" disabled=${!name}>Create mesh</button>
      </form>
      <p role="status" id="mesh-message" class=${message.startsWith('Refused') ? 'error' : ''}>${message}</p>
    </section>`;
  }
  const founder = mesh.role === 'founder';
  const canAdmit = founder || mesh.role === 'admin';
  return html`<section aria-labelledby="mesh-h">
    <h2 id="mesh-h">Mesh ${mesh.name} <span class="muted">${mesh.meshId}, this node: ${mesh.role}</span></h2>
    <p role="status" id="mesh-message" class=${message.startsWith('Refused') ? 'error' : ''}>${message}</p>

    <h3>Invite a device</h3>
    <form class="mesh-invite" onSubmit=${makeInvite}>
      <label for="invite-ttl">Valid for</label>
      <input id="invite-ttl" value=${ttl} onInput=${(e) => setTtl(e.target.value)} size="6" />
      <label for="invite-uses">Uses</label>
      <input id="invite-uses" type="number" min="1" value=${uses} onInput=${(e) => setUses(e.target.value)} size="3" />
      <button type="submit" id="invite-go" disabled=${!canAdmit}>Invite</button>
      ${!canAdmit && html`<span class="muted"> Only the founder and admins invite.</span>`}
    </form>
    ${invite && html`<div class="invite" data-invite=${invite.id}>
      <p>On the other device: <code>atmosphere mesh join LINK</code>, or scan the code; on the same network, the short code
        <strong id="invite-code">${invite.code}</strong> works too. Valid until ${new Date(invite.expiresAt).toLocaleString()} for ${invite.uses} join${invite.uses === 1 ? '' : 's'}.</p>
      <p><code id="invite-link">${invite.link}</code> <button type="button" onClick=${() => navigator.clipboard.writeText(invite.link)}>Copy link</button></p>
      <${QrCode} text=${invite.link} label="QR code of the invite link" />
    </div>`}

    <h3>Join requests</h3>
    ${pending.length === 0 ? html`<p class="muted">None waiting.</p>` : html`<table class="pending">
      <thead><tr><th scope="col">Node</th><th scope="col">Name</th><th scope="col">From</th><th scope="col">Asked</th><th scope="col"></th></tr></thead>
      <tbody>${pending.map((p) => html`<tr key=${p.nodeId} data-pending=${p.nodeId}>
        <td><code>${p.nodeId}</code></td><td>${p.name}</td><td>${p.endpoint}</td><td>${new Date(p.at).toLocaleTimeString()}</td>
        <td><button type="button" data-approve=${p.nodeId} onClick=${() => decide(p, false)}>Approve</button>
          <button type="button" data-deny=${p.nodeId} onClick=${() => decide(p, true)}>Deny</button></td></tr>`)}</tbody></table>`}

    <h3>Members and roles</h3>
    <table class="roles">
      <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">State</th><th scope="col"></th></tr></thead>
      <tbody>${members.map((m) => html`<tr key=${m.nodeId} data-role-row=${m.nodeId}>
        <td>${m.name} <code class="muted">${m.nodeId}</code></td><td data-role=${m.nodeId}>${m.role}</td><td>${m.state}</td>
        <td>${m.state !== 'left' && html`${!m.self && founder && m.role === 'member' && html`<button type="button" data-make-admin=${m.nodeId} onClick=${() => admin(m, false)}>Make admin</button>`}
          ${!m.self && founder && m.role === 'admin' && html`<button type="button" data-remove-admin=${m.nodeId} onClick=${() => admin(m, true)}>Remove admin</button>`}
          ${!m.self && canAdmit && m.role !== 'founder' && html`<button type="button" data-revoke-member=${m.nodeId}
            onClick=${() => setRevoking({ nodeId: m.nodeId, name: m.name })}>Revoke…</button>`}`}</td></tr>`)}</tbody>
    </table>
    ${revoking && html`<div class="confirm" role="alertdialog" aria-labelledby="revoke-h">
      <h4 id="revoke-h">Revoke ${revoking.name}?</h4>
      <p>It is refused everywhere at once — every member and relay stops talking to it — and cannot rejoin with an old invite.
        A revoked admin's members lose their certificates with it (the node names them below if so). This cannot be undone:
        the device needs a new invite to come back.</p>
      ${revoking.refusal && html`<p class="warn-box" id="revoke-refusal">${revoking.refusal}</p>`}
      <button type="button" id="revoke-confirm" onClick=${() => revoke(Boolean(revoking.refusal))}>${revoking.refusal ? 'Revoke and cut them off' : 'Revoke'}</button>
      <button type="button" onClick=${() => setRevoking(null)}>Cancel</button>
    </div>`}

    <h3>Leave</h3>
    ${leaving ? html`<div class="confirm" role="alertdialog" aria-labelledby="leave-h"><h4 id="leave-h">Leave mesh ${mesh.name}?</h4>
        <p>The members are told this node left; its mesh keys and certificates are removed from this node.
          ${founder ? ' This node founded the mesh: with it goes the mesh key, and nobody can invite as the founder any more.' : ''}</p>
        <button type="button" id="leave-confirm" onClick=${leave}>Leave</button> <button type="button" onClick=${() => setLeaving(false)}>Stay</button></div>`
      : html`<button type="button" id="leave" onClick=${() => setLeaving(true)}>Leave the mesh…</button>`}
  </section>`;
}
