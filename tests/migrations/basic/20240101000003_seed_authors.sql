-- Plain SQL that runs on every dialect.
-- migrate:up
INSERT INTO mig_authors (name) VALUES ('Ursula');
INSERT INTO mig_authors (name) VALUES ('Terry; not a separator');

-- migrate:down
DELETE FROM mig_authors WHERE name IN ('Ursula', 'Terry; not a separator');
