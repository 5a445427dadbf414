-- Other-scheme lists (SPEC §3): people insured by the urban residents'
-- scheme (城镇居民) or the employees' scheme (城镇职工), imported from the
-- other agency's file so that double enrollment can be found. Owned by
-- internal/registry.

CREATE TABLE other_scheme_batches (
    id         {{ID}},
    scheme     TEXT NOT NULL,                     -- default scheme of the list: urban_resident, urban_employee
    list_date  TEXT NOT NULL,                     -- the day the other agency's list is valid for
    source     TEXT NOT NULL DEFAULT '',          -- file name or description
    note       TEXT NOT NULL DEFAULT '',
    row_count  INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE other_scheme_entries (
    id        {{ID}},
    batch_id  BIGINT NOT NULL REFERENCES other_scheme_batches(id),
    row_no    INTEGER NOT NULL,                   -- row of the source file (header = 1)
    id_number TEXT NOT NULL,
    name      TEXT NOT NULL,
    scheme    TEXT NOT NULL CHECK (scheme IN ('urban_resident', 'urban_employee'))
);
CREATE UNIQUE INDEX other_scheme_entries_batch_id ON other_scheme_entries (batch_id, id_number);
CREATE INDEX other_scheme_entries_id_number ON other_scheme_entries (id_number);
