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
