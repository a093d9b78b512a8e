ALTER TABLE "sch_alt" ADD COLUMN "added" VARCHAR(30) DEFAULT 'x';
ALTER TABLE "sch_alt" RENAME COLUMN "x" TO "y";
ALTER TABLE "sch_alt" DROP COLUMN "z";
CREATE INDEX "sch_alt_a_index" ON "sch_alt" ("a");
CREATE UNIQUE INDEX "sch_alt_a_unique" ON "sch_alt" ("a");
DROP INDEX "sch_alt_a_index";
