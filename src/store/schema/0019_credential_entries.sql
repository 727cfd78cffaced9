-- A badge speaks for one ledger entry, its own credentials.entry_id; credential_entries lists
-- the entries of a transcript (a CLR) only. A badge's second row there cost every issue two more
-- index writes and said nothing its own row does not.
DELETE FROM credential_entries WHERE credential_id IN (SELECT id FROM credentials WHERE entry_id IS NOT NULL);
