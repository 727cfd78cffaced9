-- The learning record store (xAPI). lrs_iris holds every IRI, agent key and registration once,
-- numbered; statements refer to them by number. lrs_statements numbers statements in the order
-- they were stored (seq), which is the order queries page in; its body is the statement as
-- stored. lrs_related holds what else a statement matches a query by, each with its role: the
-- members of an anonymous group (matched as the agent), the other agents and activities (matched
-- by related_agents and related_activities), and what a statement that refers to another by a
-- StatementRef inherits from it. Attachments are stored once by their SHA-2.
CREATE TABLE lrs_clients (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    name TEXT NOT NULL,
    api_key TEXT NOT NULL UNIQUE,
    secret_hash BYTEA NOT NULL,
    is_trusted INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX lrs_clients_institution ON lrs_clients (institution_id);

CREATE TABLE lrs_iris (
    id AUTO_KEY,
    iri TEXT NOT NULL UNIQUE
);

CREATE TABLE lrs_statements (
    seq AUTO_KEY,
    id TEXT NOT NULL UNIQUE,
    stored_us BIGINT NOT NULL,
    timestamp_us BIGINT NOT NULL,
    actor_iri BIGINT,
    verb_iri BIGINT NOT NULL,
    activity_iri BIGINT,
    object_agent_iri BIGINT,
    object_statement TEXT,
    registration_iri BIGINT,
    is_voiding INTEGER NOT NULL,
    is_voided INTEGER NOT NULL DEFAULT 0,
    client_id TEXT NOT NULL,
    person_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX lrs_statements_actor ON lrs_statements (actor_iri, seq);
CREATE INDEX lrs_statements_verb ON lrs_statements (verb_iri, seq);
CREATE INDEX lrs_statements_activity ON lrs_statements (activity_iri, seq);
CREATE INDEX lrs_statements_object_agent ON lrs_statements (object_agent_iri, seq) WHERE object_agent_iri IS NOT NULL;
CREATE INDEX lrs_statements_ref ON lrs_statements (object_statement) WHERE object_statement IS NOT NULL;
CREATE INDEX lrs_statements_registration ON lrs_statements (registration_iri, seq) WHERE registration_iri IS NOT NULL;
CREATE INDEX lrs_statements_person ON lrs_statements (person_id, seq) WHERE person_id IS NOT NULL;

CREATE TABLE lrs_related (
    iri BIGINT NOT NULL,
    role INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (iri, role, seq)
);

-- The canonical definition of each activity, as the statements of an institution's platforms
-- last gave it.
CREATE TABLE lrs_activities (
    institution_id TEXT NOT NULL,
    iri TEXT NOT NULL,
    definition TEXT NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (institution_id, iri)
);

CREATE TABLE lrs_attachments (
    sha2 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    length BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- State, activity profile and agent profile documents, each institution's own (its clients share
-- them). An absent part of a document's key is ''.
CREATE TABLE lrs_documents (
    institution_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    activity_iri TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    registration TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_us BIGINT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (institution_id, kind, activity_iri, agent_key, registration, doc_id)
);
