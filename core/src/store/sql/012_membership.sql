-- Schema version 12: when each member joined and left (from the directory), so this device
-- lists only the reports its user owes and counts targets only on days they were a member.
ALTER TABLE members ADD COLUMN since INTEGER;
ALTER TABLE members ADD COLUMN until INTEGER;
