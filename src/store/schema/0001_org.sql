-- The organisation tree (city, district, subdistrict or town, committee) and institutions.
-- Reference tables: small, read everywhere, never distributed by person.
CREATE TABLE divisions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level INTEGER NOT NULL,
    parent_code TEXT REFERENCES divisions (code)
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE district_population (
    district_code TEXT PRIMARY KEY REFERENCES divisions (code),
    population_2020 BIGINT NOT NULL
);

CREATE TABLE institutions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    name_en TEXT,
    type TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES divisions (code),
    created_at BIGINT NOT NULL
);
CREATE INDEX institutions_district ON institutions (district_code, type);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
