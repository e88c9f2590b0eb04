CREATE TABLE "ip_expose_counts" (
	"expose_id" text NOT NULL,
	"ip_key" text NOT NULL,
	"day" text NOT NULL,
	"votes" integer DEFAULT 0 NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"shares" integer DEFAULT 0 NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "ip_expose_counts_expose_id_ip_key_day_pk" PRIMARY KEY("expose_id","ip_key","day")
);
--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "counted" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "ip_expose_counts" ADD CONSTRAINT "ip_expose_counts_expose_id_exposes_id_fk" FOREIGN KEY ("expose_id") REFERENCES "public"."exposes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ip_expose_counts_day_idx" ON "ip_expose_counts" USING btree ("day");