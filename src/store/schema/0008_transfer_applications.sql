-- Transfer applications: a learner applies for what an audit found available; each item (one
-- application of one rule version, with the outcomes it uses) is decided by the receiving
-- institution. An approval stores the credit it grants as ledger entries that name the item, the
-- rule version and the source outcomes (the four columns below; NULL on every other entry).
ALTER TABLE ledger_entries ADD COLUMN transfer_item_id TEXT;
ALTER TABLE ledger_entries ADD COLUMN transfer_rule_id TEXT;
ALTER TABLE ledger_entries ADD COLUMN transfer_rule_version INTEGER;
ALTER TABLE ledger_entries ADD COLUMN transfer_sources TEXT;

CREATE TABLE transfer_applications (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX transfer_applications_person ON transfer_applications (person_id, created_at);

CREATE TABLE transfer_items (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES transfer_applications (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    grants TEXT NOT NULL,
    sources TEXT NOT NULL,
    credits_milli BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX transfer_items_queue ON transfer_items (institution_id, status, created_at);
CREATE INDEX transfer_items_person ON transfer_items (person_id, programme_id);
CREATE INDEX transfer_items_application ON transfer_items (application_id);

-- While an item is pending or approved, each of its outcomes counts for it alone within the
-- programme, and each course it grants is granted by it alone.
CREATE TABLE transfer_sources (
    programme_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES transfer_items (id),
    PRIMARY KEY (programme_id, person_id, outcome_id)
);
CREATE INDEX transfer_sources_item ON transfer_sources (item_id);
CREATE TABLE transfer_courses (
    programme_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    course_code TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES transfer_items (id),
    PRIMARY KEY (programme_id, person_id, course_code)
);
CREATE INDEX transfer_courses_item ON transfer_courses (item_id);

-- Certification units (认证单元): a unit of learning outcomes with its level, credits and how it is
-- assessed, published by an institution and approved by the city.
CREATE TABLE cert_units (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    level INTEGER NOT NULL,
    credits_milli BIGINT NOT NULL,
    outcomes TEXT NOT NULL,
    assessment TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX cert_units_status ON cert_units (status, created_at);
