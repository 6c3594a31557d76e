"""Medusa v1.20's own tables that hashless touches, as Medusa's migrations create them.

For tests without a real Medusa server (the real one is examples/medusa-v1's): the
``customer`` table (id varchar without default, ``password_hash`` NULL-able, the
unique ``(email, has_account)`` index over live rows), ``address`` and
``staged_job`` (Medusa's event bus dispatches its rows).
"""

from __future__ import annotations

__all__ = ["MEDUSA_V1_DDL", "MEDUSA_V1_TABLES"]

MEDUSA_V1_TABLES = ("staged_job", "customer", "address")

MEDUSA_V1_DDL = """
CREATE TABLE "address" ("id" character varying NOT NULL, "customer_id" character varying,
  "company" character varying, "first_name" character varying, "last_name" character varying,
  "address_1" character varying, "address_2" character varying, "city" character varying,
  "country_code" character varying, "province" character varying,
  "postal_code" character varying, "phone" character varying,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
  "deleted_at" TIMESTAMP WITH TIME ZONE, "metadata" jsonb,
  CONSTRAINT "PK_d92de1f82754668b5f5f5dd4fd5" PRIMARY KEY ("id"));
CREATE TABLE "customer" ("id" character varying NOT NULL, "email" character varying NOT NULL,
  "first_name" character varying, "last_name" character varying,
  "billing_address_id" character varying, "password_hash" character varying,
  "phone" character varying, "has_account" boolean NOT NULL DEFAULT false,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
  "deleted_at" TIMESTAMP WITH TIME ZONE, "metadata" jsonb,
  CONSTRAINT "REL_8abe81b9aac151ae60bf507ad1" UNIQUE ("billing_address_id"),
  CONSTRAINT "PK_a7a13f4cacb744524e44dfdad32" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "IDX_unique_email_for_guests_and_customer_accounts"
  ON "customer" ("email", "has_account") WHERE "deleted_at" IS NULL;
ALTER TABLE "customer" ADD CONSTRAINT "FK_8abe81b9aac151ae60bf507ad15"
  FOREIGN KEY ("billing_address_id") REFERENCES "address"("id")
  ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE "address" ADD CONSTRAINT "FK_9c9614b2f9d01665800ea8dbff7"
  FOREIGN KEY ("customer_id") REFERENCES "customer"("id")
  ON DELETE NO ACTION ON UPDATE NO ACTION;
CREATE TABLE "staged_job" ("id" character varying NOT NULL,
  "event_name" character varying NOT NULL, "data" jsonb NOT NULL,
  "options" jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT "PK_9a28fb48c46c5509faf43ac8c8d" PRIMARY KEY ("id"));
"""
