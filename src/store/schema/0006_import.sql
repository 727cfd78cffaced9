-- Bulk imports of outcomes: the job (progress, counts, checkpoint, the worker holding it), the
-- uploaded file in chunks (1 MiB of the file each, deflated with zlib) so that any server can run
-- the job, and every rejected row.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    created_by TEXT,
    filename TEXT,
    format TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    total_bytes BIGINT NOT NULL,
    bytes_done BIGINT NOT NULL DEFAULT 0,
    checkpoint_line BIGINT NOT NULL DEFAULT 0,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_stored BIGINT NOT NULL DEFAULT 0,
    rows_pending BIGINT NOT NULL DEFAULT 0,
    rows_existing BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    worker TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    run_started_at BIGINT,
    run_rows BIGINT
);
CREATE INDEX import_jobs_status ON import_jobs (status, created_at);
CREATE INDEX import_jobs_institution ON import_jobs (institution_id, created_at);

CREATE TABLE import_chunks (
    job_id TEXT NOT NULL REFERENCES import_jobs (id),
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE import_errors (
    job_id TEXT NOT NULL REFERENCES import_jobs (id),
    line BIGINT NOT NULL,
    field TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, line)
);
