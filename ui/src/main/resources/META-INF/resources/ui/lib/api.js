// Calls to the node's API from the pages that change it, and what to tell the user when it refuses.

/**
 * @param path the endpoint
 * @param options fetch's options
 * @returns {ok, status, json}: the answer whatever its status (a network failure is status 0)
 */
export async function request(path, options = {}) {
  try {
    const res = await fetch(path, { credentials: 'same-origin', ...options });
    const json = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, json };
  } catch (e) {
    return { ok: false, status: 0, json: { error: { message: `The node did not answer: ${e.message}` } } };
  }
}

/**
 * @param r an answer that was not ok
 * @param signedIn whether this page is signed in (GET /api/v1/ui/session)
 * @returns the node's reason, and for a refusal what would let the user in
 */
export function refusal(r, signedIn) {
  const message = (r.json && r.json.error && r.json.error.message) || `HTTP ${r.status}`;
  if (r.status === 401) {
    return `Refused: ${message}${signedIn ? '' : " Sign in first: run 'atmosphere dashboard' on the node's machine."}`;
  }
  if (r.status === 403) {
    return `Refused: ${message}${signedIn ? " This page's sign-in lacks the rights: 'atmosphere dashboard' on the node's machine signs in as its admin." : ''}`;
  }
  return message;
}
