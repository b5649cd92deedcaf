-- Schema version 8: where customers are, so that a check-in's distance from its customer is
-- known without loading documents (filled for existing customers by the migration's code).
ALTER TABLE customers ADD COLUMN lat REAL;
ALTER TABLE customers ADD COLUMN lon REAL;
