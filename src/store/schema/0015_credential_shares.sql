-- Transcripts and shares of credentials (求职认证).
-- * A credential speaks for one ledger entry (an Open Badges credential) or for several (a CLR
--   transcript): credential_entries lists them, and a credential is revoked once any of them is
--   superseded. credentials.outcome_id and entry_id name the one outcome of a badge and are null
--   for a transcript, so the table is made anew without NOT NULL on them.
-- * credential_shares: what a person shares by a link. Only the token's keyed hash finds a share;
--   the token itself is kept sealed with the node's key, for its owner to see again.
--   credential_share_items are the badges shared, in the person's order; clr_id the transcript of
--   them. credential_share_views records every opening of the link.
CREATE TABLE credentials_v2 (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    type TEXT NOT NULL,
    outcome_id TEXT,
    entry_id TEXT,
    kid TEXT NOT NULL REFERENCES credential_keys (kid),
    status_index BIGINT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    jws TEXT NOT NULL
);
INSERT INTO credentials_v2 (id, person_id, type, outcome_id, entry_id, kid, status_index, title, issued_at, jws)
    SELECT id, person_id, type, outcome_id, entry_id, kid, status_index, title, issued_at, jws FROM credentials;
DROP TABLE credentials;
ALTER TABLE credentials_v2 RENAME TO credentials;
CREATE INDEX credentials_person ON credentials (person_id, issued_at);
CREATE INDEX credentials_entry ON credentials (entry_id);

CREATE TABLE credential_entries (
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    entry_id TEXT NOT NULL,
    PRIMARY KEY (credential_id, entry_id)
);
CREATE INDEX credential_entries_entry ON credential_entries (entry_id);
INSERT INTO credential_entries (credential_id, entry_id) SELECT id, entry_id FROM credentials;

CREATE TABLE credential_shares (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    token_hash BYTEA NOT NULL UNIQUE,
    token_sealed BYTEA NOT NULL,
    purpose TEXT NOT NULL,
    recipient TEXT,
    clr_id TEXT NOT NULL REFERENCES credentials (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX credential_shares_person ON credential_shares (person_id, created_at);

CREATE TABLE credential_share_items (
    share_id TEXT NOT NULL REFERENCES credential_shares (id),
    position INTEGER NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    PRIMARY KEY (share_id, position)
);

CREATE TABLE credential_share_views (
    id AUTO_KEY,
    share_id TEXT NOT NULL REFERENCES credential_shares (id),
    at BIGINT NOT NULL,
    address TEXT NOT NULL,
    user_agent TEXT,
    was_shown INTEGER NOT NULL
);
CREATE INDEX credential_share_views_share ON credential_share_views (share_id, at);
