-- Whether an attachment's data has the SHA-2 it is kept under. The conformance suite's clients
-- send some data re-encoded under the original hash, so data that does not match is kept, but only
-- until data that does arrives: it never replaces verified data, and verified data replaces it.
-- Data kept before this was not checked.
ALTER TABLE lrs_attachments ADD COLUMN is_verified INTEGER NOT NULL DEFAULT 0;
