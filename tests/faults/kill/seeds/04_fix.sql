UPDATE fk_books SET price = 5.00 WHERE id >= 101;
