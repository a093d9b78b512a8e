CREATE TABLE IF NOT EXISTS "sch_test"."keys" (
  "a" integer NOT NULL,
  "b" integer NOT NULL,
  "c" varchar(10),
  CONSTRAINT "keys_pkey" PRIMARY KEY ("a", "b"),
  CONSTRAINT "uq_b" UNIQUE ("b"),
  CONSTRAINT "keys_a_b_foreign" FOREIGN KEY ("a", "b") REFERENCES "sch_test"."other" ("a", "b") ON DELETE SET NULL ON UPDATE RESTRICT
);
CREATE INDEX IF NOT EXISTS "keys_a_b_index" ON "sch_test"."keys" ("a", "b");
