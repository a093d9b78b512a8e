-- Explicit ids: sequences and AUTO_INCREMENT counters do not roll back, so
-- generated ids after a killed run would differ from a clean run's.
-- migrate:up
INSERT INTO fk_authors (id, name, born) VALUES (1, 'Ursula', 1929);
INSERT INTO fk_authors (id, name, born) VALUES (2, 'Terry', 1948);
INSERT INTO fk_authors (id, name, born) VALUES (3, 'Iain', 1954);
INSERT INTO fk_books (id, author_id, title, price) SELECT 1, id, 'The Dispossessed', 9.50 FROM fk_authors WHERE name = 'Ursula';
INSERT INTO fk_books (id, author_id, title, price) SELECT 2, id, 'Mort', 7.25 FROM fk_authors WHERE name = 'Terry';
INSERT INTO fk_books (id, author_id, title, price) SELECT 3, id, 'Excession', 8.00 FROM fk_authors WHERE name = 'Iain';
-- migrate:down
DELETE FROM fk_books;
DELETE FROM fk_authors;
