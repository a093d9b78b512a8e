-- migrate:up
INSERT INTO fk_categories (id, name) VALUES (1, 'fiction');
INSERT INTO fk_categories (id, name, parent_id) SELECT 2, 'sf', id FROM fk_categories WHERE name = 'fiction';
UPDATE fk_books SET category_id = (SELECT id FROM fk_categories WHERE name = 'sf');
UPDATE fk_authors SET born = born + 0 WHERE name = 'Iain';
-- migrate:down
UPDATE fk_books SET category_id = NULL;
UPDATE fk_categories SET parent_id = NULL;
DELETE FROM fk_categories;
