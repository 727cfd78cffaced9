-- Credentials anyone can verify (求职认证). credential_keys holds the issuer's Ed25519 keys, named
-- by their JWK thumbprints and numbered as they are made (the counter 'credential_key'): the
-- highest number signs, every one of them still verifies; the secret half is sealed with the
-- node's key. credentials records each credential issued to a person, with its
-- text (a compact JWS), the ledger entry it speaks for and its index in the status lists (the
-- counter 'credential_status' numbers them).
CREATE TABLE credential_keys (
    kid TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    public_key BYTEA NOT NULL,
    secret_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    type TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kid TEXT NOT NULL REFERENCES credential_keys (kid),
    status_index BIGINT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    jws TEXT NOT NULL
);
CREATE INDEX credentials_person ON credentials (person_id, issued_at);
