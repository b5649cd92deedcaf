-- Schema version 3: covering indexes for KPI evaluation, so counting a month of followups reads
-- only the index.

DROP INDEX followups_owner_time;
CREATE INDEX followups_owner_time ON followups(owner, occurred_at, kind, deleted);
DROP INDEX customers_owner_created;
CREATE INDEX customers_owner_created ON customers(owner, created_at, deleted);
CREATE INDEX deal_stages_owner_stage_at ON deal_stages(owner, stage, at);
