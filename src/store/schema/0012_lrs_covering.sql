-- The indexes a statement query is driven by (agent, object agent, activity, registration) carry
-- every column its other conditions read: voided, the other filters, stored, and the client
-- (whose institution scopes a platform's queries). A query then decides on each candidate from
-- the index alone and reads a statement's row only to answer with it; before, it read the row of
-- every statement of the agent (or activity) to find the few that match.
DROP INDEX lrs_statements_actor;
DROP INDEX lrs_statements_activity;
DROP INDEX lrs_statements_object_agent;
DROP INDEX lrs_statements_registration;
CREATE INDEX lrs_statements_actor ON lrs_statements
    (actor_iri, seq, is_voided, verb_iri, activity_iri, object_agent_iri, registration_iri, stored_us, client_id);
CREATE INDEX lrs_statements_activity ON lrs_statements
    (activity_iri, seq, is_voided, verb_iri, actor_iri, object_agent_iri, registration_iri, stored_us, client_id);
CREATE INDEX lrs_statements_object_agent ON lrs_statements
    (object_agent_iri, seq, is_voided, verb_iri, actor_iri, activity_iri, registration_iri, stored_us, client_id)
    WHERE object_agent_iri IS NOT NULL;
CREATE INDEX lrs_statements_registration ON lrs_statements
    (registration_iri, seq, is_voided, verb_iri, actor_iri, activity_iri, object_agent_iri, stored_us, client_id)
    WHERE registration_iri IS NOT NULL;
