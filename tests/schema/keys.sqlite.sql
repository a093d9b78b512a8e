CREATE TABLE IF NOT EXISTS "sch_test"."keys" (
  "a" INTEGER NOT NULL,
  "b" INTEGER NOT NULL,
  "c" VARCHAR(10),
  CONSTRAINT "keys_pkey" PRIMARY KEY ("a", "b"),
  CONSTRAINT "keys_a_b_foreign" FOREIGN KEY ("a", "b") REFERENCES "other" ("a", "b") ON DELETE SET NULL ON UPDATE RESTRICT
);
CREATE UNIQUE INDEX IF NOT EXISTS "sch_test"."uq_b" ON "keys" ("b");
CREATE INDEX IF NOT EXISTS "sch_test"."keys_a_b_index" ON "keys" ("a", "b");
