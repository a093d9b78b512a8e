ALTER TABLE `sch_alt` ADD COLUMN `added` VARCHAR(30) NULL DEFAULT 'x';
ALTER TABLE `sch_alt` RENAME COLUMN `x` TO `y`;
ALTER TABLE `sch_alt` DROP COLUMN `z`;
CREATE INDEX `sch_alt_a_index` ON `sch_alt` (`a`);
ALTER TABLE `sch_alt` ADD UNIQUE KEY `sch_alt_a_unique` (`a`);
ALTER TABLE `sch_alt` DROP INDEX `sch_alt_a_index`;
