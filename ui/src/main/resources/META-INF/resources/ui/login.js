// The sign-in page: spends the code 'atmosphere dashboard' put after '#' (a fragment never reaches
// the server), else offers an API key form. The session is an HttpOnly cookie the page cannot read.
const status = document.getElementById('status');
const form = document.getElementById('key-form');

async function signIn(body) {
  const res = await fetch('/api/v1/ui/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || `HTTP ${res.status}`);
  return json;
}

function showForm(message) {
  status.textContent = message;
  form.hidden = false;
  fetch('/api/v1/ui/session', { credentials: 'same-origin' })
    .then((r) => r.json())
    .then((s) => {
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);
      document.getElementById('clear-text').hidden = s.tls || loopback;
    })
    .catch(() => {});
}

const code = new URLSearchParams(location.hash.slice(1)).get('code');
// the code leaves the address bar and the history at once, used or not
history.replaceState(null, '', location.pathname);
if (code) {
  signIn({ code })
    .then(() => location.replace('/ui/'))
    .catch((e) => showForm(`Not signed in: ${e.message}`));
} else {
  showForm('Not signed in.');
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  status.textContent = 'Signing in…';
  signIn({ key: document.getElementById('key').value })
    .then(() => location.replace('/ui/'))
    .catch((e) => { status.textContent = `Not signed in: ${e.message}`; });
});
