-- Fails at its third statement.
-- migrate:up
CREATE TABLE mig_fail_a (id INTEGER PRIMARY KEY);
INSERT INTO mig_fail_a (id) VALUES (1);
INSERT INTO mig_no_such_table (id) VALUES (1);
CREATE TABLE mig_fail_b (id INTEGER PRIMARY KEY);
-- migrate:down
DROP TABLE mig_fail_b;
DROP TABLE mig_fail_a;
