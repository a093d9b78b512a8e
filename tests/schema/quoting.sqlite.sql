CREATE TABLE "sch Weird""Name`" (
  "select" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "Mixed Case" VARCHAR(20) NOT NULL DEFAULT 'O''Brien',
  "order" INTEGER,
  "with ""double"" and `back`" TEXT
);
CREATE INDEX "sch_weird""name`_mixed_case_order_index" ON "sch Weird""Name`" ("Mixed Case", "order");
