-- Lifelong learning accounts. Person-scoped: persons.id is the person_id that every table about
-- a person carries. ID and phone numbers are sealed, with a keyed hash for look-up and a masked
-- copy for display.
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    account_no TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    id_hash BYTEA NOT NULL UNIQUE,
    id_sealed BYTEA NOT NULL,
    id_masked TEXT NOT NULL,
    phone_hash BYTEA,
    phone_sealed BYTEA,
    phone_masked TEXT,
    birth_date TEXT NOT NULL,
    gender TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES divisions (code),
    subdistrict_code TEXT REFERENCES divisions (code),
    committee_code TEXT REFERENCES divisions (code),
    registered_by TEXT REFERENCES institutions (id),
    is_activated INTEGER NOT NULL DEFAULT 0,
    activated_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX persons_district ON persons (district_code, is_activated);
CREATE INDEX persons_phone ON persons (phone_hash);
CREATE INDEX persons_registered_by ON persons (registered_by);
