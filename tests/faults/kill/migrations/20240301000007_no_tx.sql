-- A migration outside a transaction: run statement by statement, each one
-- recorded in orm_migrations_progress, so that a crash can be resumed.
-- migrate:no-transaction
-- migrate:up
CREATE TABLE fk_log (id INTEGER PRIMARY KEY, note VARCHAR(40) NOT NULL);
INSERT INTO fk_log (id, note) VALUES (1, 'one');
INSERT INTO fk_log (id, note) VALUES (2, 'two');
CREATE INDEX fk_log_note_ix ON fk_log (note);
INSERT INTO fk_log (id, note) VALUES (3, 'three');
-- migrate:down
DROP TABLE fk_log;
