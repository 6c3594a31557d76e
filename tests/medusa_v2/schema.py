"""The two Medusa 2.21 auth tables hashless reads and writes, as its migrations leave them
(checked with ``\\d`` against a migrated 2.21.2 database)."""

from __future__ import annotations

MEDUSA_V2_AUTH_DDL = """
CREATE TABLE auth_identity (
    id text PRIMARY KEY,
    app_metadata jsonb NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz NULL
);
CREATE TABLE provider_identity (
    id text PRIMARY KEY,
    entity_id text NOT NULL,
    provider text NOT NULL,
    auth_identity_id text NOT NULL
        REFERENCES auth_identity (id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_metadata jsonb NULL,
    provider_metadata jsonb NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz NULL
);
CREATE UNIQUE INDEX "IDX_provider_identity_provider_entity_id"
    ON provider_identity (entity_id, provider);
"""
