-- fieldreport server storage, schema version 4: each document's typed view (JSON of the record
-- a merge read from it, see views.rs), so a KPI rebuild need not load every document.
ALTER TABLE docs ADD COLUMN view TEXT;
ALTER TABLE docs ADD COLUMN view_format INTEGER;
