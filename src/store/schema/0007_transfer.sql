-- The learning overpass: programmes with versioned plans (JSON as plan_to_json writes it),
-- conversion rules with versions that the city approves (JSON as rule_to_json writes it, with the
-- plan version each was checked against), and the learners a programme has enrolled.
CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    plan_version INTEGER NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (institution_id, code)
);

CREATE TABLE programme_plans (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    version INTEGER NOT NULL,
    plan TEXT NOT NULL,
    published_by TEXT,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (programme_id, version)
);

CREATE TABLE transfer_rules (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX transfer_rules_programme ON transfer_rules (programme_id);

CREATE TABLE transfer_rule_versions (
    rule_id TEXT NOT NULL REFERENCES transfer_rules (id),
    version INTEGER NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    plan_version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    published_by TEXT,
    published_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    PRIMARY KEY (rule_id, version)
);
CREATE INDEX transfer_rule_versions_programme ON transfer_rule_versions (programme_id, status);
CREATE INDEX transfer_rule_versions_status ON transfer_rule_versions (status, published_at);

CREATE TABLE enrolments (
    person_id TEXT NOT NULL REFERENCES persons (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    enrolled_by TEXT,
    enrolled_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, programme_id)
);
CREATE INDEX enrolments_programme ON enrolments (programme_id, person_id);
