-- Schema version 12: figures a team can act on.

-- When each member joined and left (from the directory), so this device lists only the reports
-- its user owes and counts targets only on days they were a member.
ALTER TABLE members ADD COLUMN since INTEGER;
ALTER TABLE members ADD COLUMN until INTEGER;

-- Figures no longer compare clocks to decide whether the server's snapshot covers this
-- device's work (they compare feed positions): the time of the last local write is not kept.
DROP TABLE last_local_write;

-- A member's figures are recomputed after every sync: each deal stage row carries whether the
-- deal moved on from it and whether the deal is deleted, so the funnel is one index scan with
-- no lookup per row.
ALTER TABLE deal_stages ADD COLUMN moved_on INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deal_stages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
UPDATE deal_stages SET
    deleted = COALESCE((SELECT d.deleted FROM deals d WHERE d.id = deal_stages.deal_id), 0),
    moved_on = EXISTS (
        SELECT 1 FROM deal_stages l
        WHERE l.deal_id = deal_stages.deal_id AND l.seq > deal_stages.seq AND l.stage <> 'lost'
          AND (CASE l.stage WHEN 'lead' THEN 0 WHEN 'contacted' THEN 1 WHEN 'qualified' THEN 2
                  WHEN 'proposal' THEN 3 WHEN 'negotiation' THEN 4 WHEN 'won' THEN 5 ELSE -1 END)
            > (CASE deal_stages.stage WHEN 'lead' THEN 0 WHEN 'contacted' THEN 1 WHEN 'qualified' THEN 2
                  WHEN 'proposal' THEN 3 WHEN 'negotiation' THEN 4 WHEN 'won' THEN 5 ELSE 99 END));
CREATE INDEX deal_stages_kpi ON deal_stages(owner, at, stage, deleted, moved_on, deal_id);

-- A check-in's distance from its customer as recorded in the followup when the rep checked in:
-- lists and reports show it, not a distance from wherever the customer was moved to later.
ALTER TABLE followups ADD COLUMN checkin_m REAL;
