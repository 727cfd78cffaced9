-- The audit log of every write and the log of every unmasked read of a person's data.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    ip TEXT,
    detail TEXT
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

CREATE TABLE pii_access_log (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    actor_name TEXT,
    institution_id TEXT,
    fields TEXT NOT NULL,
    purpose TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX pii_access_log_person ON pii_access_log (person_id, at);
