-- The Yangtze River Delta federation: the other credit banks' nodes this node trusts. A city admin
-- registers each peer with its node id (SH, JS, ZJ, AH, ...), its address and the public keys it
-- signs with (pinned here: a key the peer adds later is not trusted until an admin adds it too),
-- and may suspend it: a suspended peer is neither asked nor answered.
CREATE TABLE federation_peers (
    node_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL
);
