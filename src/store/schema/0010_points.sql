-- Check-ins (学习打卡) and points (积分). A day is stored once per source it was checked in
-- from; day is the Beijing day number (days since 1970-01-01). Check-in sites show a code that
-- changes daily, a keyed hash of the day under the site's secret.
CREATE TABLE checkin_sites (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    address TEXT NOT NULL,
    secret BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX checkin_sites_institution ON checkin_sites (institution_id);

CREATE TABLE checkins (
    person_id TEXT NOT NULL REFERENCES persons (id),
    day BIGINT NOT NULL,
    source TEXT NOT NULL,
    site_id TEXT,
    statement_id TEXT,
    note TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, day, source)
);

-- Earning rules: data the city edits. A change applies to later events; awards made stay.
CREATE TABLE points_rules (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    edu_type TEXT,
    checkin_source TEXT,
    outcome_kind TEXT,
    level_min INTEGER,
    level_max INTEGER,
    points BIGINT NOT NULL,
    points_per_hour BIGINT NOT NULL,
    daily_cap BIGINT,
    is_active INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The double-entry ledger. Each transaction's postings sum to zero: the person's account of a
-- type against the city's issued or redeemed account of that type. source_key makes every
-- movement happen once (an award: rule and event; a redemption: person and request).
CREATE TABLE points_txns (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    source_key TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    ref TEXT NOT NULL,
    rule_id TEXT,
    day BIGINT NOT NULL,
    edu_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    description TEXT NOT NULL,
    description_en TEXT NOT NULL,
    title TEXT,
    title_en TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_txns_person ON points_txns (person_id, created_at);
CREATE INDEX points_txns_rule_day ON points_txns (person_id, rule_id, day);

CREATE TABLE points_postings (
    txn_id TEXT NOT NULL REFERENCES points_txns (id),
    account TEXT NOT NULL,
    person_id TEXT,
    edu_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (txn_id, account)
);

CREATE TABLE points_balances (
    person_id TEXT NOT NULL REFERENCES persons (id),
    edu_type TEXT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    PRIMARY KEY (person_id, edu_type)
);

-- Incentives and the vouchers they are redeemed for.
CREATE TABLE points_incentives (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description TEXT NOT NULL,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    edu_type TEXT NOT NULL,
    cost BIGINT NOT NULL CHECK (cost > 0),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    expires_at BIGINT,
    is_active INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE points_redemptions (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    incentive_id TEXT NOT NULL REFERENCES points_incentives (id),
    txn_id TEXT NOT NULL REFERENCES points_txns (id),
    code TEXT NOT NULL UNIQUE,
    cost BIGINT NOT NULL,
    expires_at BIGINT,
    used_at BIGINT,
    used_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_redemptions_person ON points_redemptions (person_id, created_at);

-- How far each follower of the statement store or the ledger got (the seq it reached; the
-- ledger numbers from 0, so a new follower of it holds -1): points follow both; the learning
-- record store follows completions of catalogued units to deposit them.
CREATE TABLE follow_cursors (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO follow_cursors (name, position) VALUES ('points.statements', 0);
INSERT INTO follow_cursors (name, position) VALUES ('points.outcomes', -1);
INSERT INTO follow_cursors (name, position) VALUES ('lrs.deposits', 0);
