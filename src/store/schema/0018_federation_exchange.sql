-- Records exchanged between the federation's nodes, with the person's consent.
-- * persons.region_hash: the keyed hash of the person's ID number under the regional look-up key
--   the federation's credit banks share, by which a peer's request finds them (no ID number
--   crosses the wire). It is filled in for persons without one; federation_region remembers which
--   key made the hashes, and a new key makes them anew.
-- * federation_fetches: a person's request that this node fetch their records from a peer, for a
--   purpose, with consent until a time; its state, how far it got (after: the peer's cursor),
--   and when it is tried again after a failure.
-- * external_outcomes: outcomes a peer holds, imported with their signed credentials and where
--   they came from. Only a newer fetch from the same peer changes one; nothing here edits them.
-- * federation_access: every cross-node access to a person's records, on both nodes: 'out' when
--   this node asked a peer, 'in' when a peer asked this node; one row per fetch and person (a
--   peer names its fetch; whoever it asks about gets a row of their own).
ALTER TABLE persons ADD COLUMN region_hash BYTEA;
CREATE UNIQUE INDEX persons_region ON persons (region_hash);

CREATE TABLE federation_region (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL
);

CREATE TABLE federation_fetches (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    node_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    consent_until BIGINT NOT NULL,
    state TEXT NOT NULL,
    after_seq BIGINT NOT NULL,
    received BIGINT NOT NULL,
    imported BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX federation_fetches_person ON federation_fetches (person_id, created_at);
CREATE INDEX federation_fetches_due ON federation_fetches (state, next_at);
-- One fetch under way per person and peer, whoever asks at the same time.
CREATE UNIQUE INDEX federation_fetches_under_way ON federation_fetches (person_id, node_id)
    WHERE state IN ('queued', 'running', 'retrying');

CREATE TABLE external_outcomes (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    node_id TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    kid TEXT NOT NULL,
    jws TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    institution TEXT,
    level INTEGER,
    credits_milli BIGINT,
    hours_milli BIGINT,
    result_kind TEXT,
    result TEXT,
    awarded_on TEXT NOT NULL,
    fetch_id TEXT NOT NULL REFERENCES federation_fetches (id),
    imported_at BIGINT NOT NULL,
    UNIQUE (person_id, node_id, outcome_id)
);

CREATE INDEX external_outcomes_person ON external_outcomes (person_id, awarded_on);

CREATE TABLE federation_access (
    node_id TEXT NOT NULL,
    fetch_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    purpose TEXT NOT NULL,
    consent_until BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    records BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (node_id, fetch_id, direction, person_id)
);
CREATE INDEX federation_access_person ON federation_access (person_id, last_at);
