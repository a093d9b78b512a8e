CREATE TABLE `sch Weird"Name``` (
  `select` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `Mixed Case` VARCHAR(20) NOT NULL DEFAULT 'O''Brien',
  `order` INT NULL,
  `with "double" and ``back``` LONGTEXT NULL,
  PRIMARY KEY (`select`),
  KEY `sch_weird"name``_mixed_case_order_index` (`Mixed Case`, `order`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
