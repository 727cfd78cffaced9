-- The credit bank. Reference data (framework levels, entry standards) is small and read
-- everywhere. Submissions carry the review workflow; ledger_entries is append-only (no statement
-- updates or deletes a row) and person-scoped; ledger_nodes holds every perfect subtree above the leaves (a leaf is its entry's hash) of the
-- global Merkle log, keyed by its last leaf so that the verifier reads it in the order it grows.
CREATE TABLE framework_levels (
    level INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    descriptor TEXT NOT NULL,
    descriptor_en TEXT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE entry_standards (
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    rules TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    name TEXT,
    data BYTEA NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    op TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    outcome_id TEXT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    level INTEGER,
    credits_milli BIGINT,
    hours_milli BIGINT,
    result_kind TEXT,
    result TEXT,
    started_on TEXT,
    awarded_on TEXT NOT NULL,
    certificate_no TEXT,
    evidence_id TEXT REFERENCES evidence (id),
    external_id TEXT,
    standard_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    submitted_by TEXT,
    submitted_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    decision_reason TEXT,
    entry_id TEXT
);
CREATE UNIQUE INDEX submissions_external ON submissions (institution_id, external_id);
CREATE INDEX submissions_status ON submissions (status, submitted_at);
CREATE INDEX submissions_institution ON submissions (institution_id, submitted_at);
CREATE INDEX submissions_person ON submissions (person_id);

CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY,
    size BIGINT NOT NULL
);
INSERT INTO ledger_head (id, size) VALUES (1, 0);

CREATE TABLE ledger_entries (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons (id),
    person_seq BIGINT NOT NULL,
    prev_hash BYTEA NOT NULL,
    entry_hash BYTEA NOT NULL,
    op TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    supersedes TEXT UNIQUE,
    submission_id TEXT,
    standard_version INTEGER NOT NULL,
    institution_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    level INTEGER,
    credits_milli BIGINT,
    hours_milli BIGINT,
    result_kind TEXT,
    result TEXT,
    started_on TEXT,
    awarded_on TEXT NOT NULL,
    certificate_no TEXT,
    evidence_sha256 TEXT,
    external_id TEXT,
    actor_id TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_person ON ledger_entries (person_id, person_seq);
CREATE INDEX ledger_entries_outcome ON ledger_entries (outcome_id);
CREATE INDEX ledger_entries_institution ON ledger_entries (institution_id, person_id);

CREATE TABLE ledger_nodes (
    last_leaf BIGINT NOT NULL,
    level INTEGER NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (last_leaf, level)
);

CREATE TABLE ledger_sth (
    tree_size BIGINT PRIMARY KEY,
    timestamp_us BIGINT NOT NULL,
    root_hash BYTEA NOT NULL,
    signature BYTEA NOT NULL
);

-- A person lets an institution (an employer) see their whole record.
CREATE TABLE record_shares (
    person_id TEXT NOT NULL REFERENCES persons (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, institution_id)
);
CREATE INDEX record_shares_institution ON record_shares (institution_id);
