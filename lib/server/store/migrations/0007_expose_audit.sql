CREATE TABLE "expose_audit" (
	"expose_id" text NOT NULL,
	"day" text NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "expose_audit_expose_id_day_kind_outcome_pk" PRIMARY KEY("expose_id","day","kind","outcome")
);
--> statement-breakpoint
ALTER TABLE "expose_audit" ADD CONSTRAINT "expose_audit_expose_id_exposes_id_fk" FOREIGN KEY ("expose_id") REFERENCES "public"."exposes"("id") ON DELETE cascade ON UPDATE no action;