-- Completions of catalogued certification units that trusted learning platforms reported, and
-- what depositing each in the credit bank gave: stored, pending review, or refused with the
-- reason (its error code and message), for the institution to see.
CREATE TABLE lrs_deposits (
    statement_id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    unit_code TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    detail TEXT,
    outcome_id TEXT,
    submission_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX lrs_deposits_institution ON lrs_deposits (institution_id, created_at);

-- Agents of other identifiers (a platform's own account, an mbox) that a person has claimed:
-- their statements join that person's learning activity. A platform vouches for its learner with
-- a one-time claim code (only its keyed hash is kept) that the person then enters in the portal.
CREATE TABLE lrs_agent_links (
    id TEXT PRIMARY KEY,
    agent_key TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX lrs_agent_links_person ON lrs_agent_links (person_id);

CREATE TABLE lrs_claim_codes (
    code_hash BYTEA PRIMARY KEY,
    agent_key TEXT NOT NULL,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    client_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    person_id TEXT
);
