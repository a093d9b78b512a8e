CREATE TABLE IF NOT EXISTS `sch_test`.`keys` (
  `a` INT NOT NULL,
  `b` INT NOT NULL,
  `c` VARCHAR(10) NULL,
  PRIMARY KEY (`a`, `b`),
  UNIQUE KEY `uq_b` (`b`),
  KEY `keys_a_b_index` (`a`, `b`),
  CONSTRAINT `keys_a_b_foreign` FOREIGN KEY (`a`, `b`) REFERENCES `sch_test`.`other` (`a`, `b`) ON DELETE SET NULL ON UPDATE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
