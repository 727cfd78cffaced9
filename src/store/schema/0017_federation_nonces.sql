-- Nonces of the signed requests peers sent: a request whose nonce was seen from the same peer is a
-- replay and is refused. Rows older than the signatures' window are no longer needed and are
-- removed as new ones come.
CREATE TABLE federation_nonces (
    node_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (node_id, nonce)
);
CREATE INDEX federation_nonces_seen ON federation_nonces (seen_at);
