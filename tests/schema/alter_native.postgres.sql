ALTER TABLE "sch_alt" ADD COLUMN "added" varchar(30) DEFAULT 'x';
ALTER TABLE "sch_alt" RENAME COLUMN "x" TO "y";
ALTER TABLE "sch_alt" DROP COLUMN "z";
CREATE INDEX "sch_alt_a_index" ON "sch_alt" ("a");
ALTER TABLE "sch_alt" ADD CONSTRAINT "sch_alt_a_unique" UNIQUE ("a");
DROP INDEX "sch_alt_a_index";
