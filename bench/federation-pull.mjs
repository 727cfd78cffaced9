// Drives one pull for bench/federation.sh: registers the two nodes with each other, signs the
// person in at the home node, asks for a fetch of their records from the peer, and prints the
// seconds from the request until the fetch is done, and the records received and imported.
//   node bench/federation-pull.mjs HOME_URL PEER_URL PEER_ID ACCOUNT_NO PASSWORD [register]
const [home, peer, peerId, login, password, register] = process.argv.slice(2);

async function session(base, who) {
  const r = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password }) });
  if (r.status !== 200) throw new Error(`${base}: sign-in as ${who}: ${r.status} ${await r.text()}`);
  const body = await r.json();
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith('ll_session=')).split(';')[0];
  const csrf = body.csrf_token || body.user.csrf_token;
  return async (method, path, json) => {
    const res = await fetch(base + path, { method, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

if (register) {
  const node = async (b) => (await fetch(`${b}/api/v1/federation/node`)).json();
  const [h, p] = [await node(home), await node(peer)];
  await (await session(home, 'city.admin'))('POST', '/api/v1/federation/peers', { node_id: p.node_id, name: p.name, base_url: peer, keys: p.keys.map((k) => k.x) });
  await (await session(peer, 'city.admin'))('POST', '/api/v1/federation/peers', { node_id: h.node_id, name: h.name, base_url: home, keys: h.keys.map((k) => k.x) });
}
const me = await session(home, login);
const t0 = process.hrtime.bigint();
const made = await me('POST', '/api/v1/me/federation/fetches', { node_id: peerId, purpose: 'bench', consent_until: new Date(Date.now() + 86400e3).toISOString() });
for (;;) {
  const f = await me('GET', `/api/v1/me/federation/fetches/${made.id}`);
  if (f.state === 'done') {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${s.toFixed(3)} ${f.received} ${f.imported}`);
    break;
  }
  if (!['queued', 'running'].includes(f.state)) throw new Error(JSON.stringify(f));
  await new Promise((r) => setTimeout(r, 20));
}
