-- Schema version 12: when each member joined and left (from the directory), so this device
-- lists only the reports its user owes and counts targets only on days they were a member.
ALTER TABLE members ADD COLUMN since INTEGER;
ALTER TABLE members ADD COLUMN until INTEGER;

-- Figures no longer compare clocks to decide whether the server's snapshot covers this
-- device's work (they compare feed positions): the time of the last local write is not kept.
DROP TABLE last_local_write;
