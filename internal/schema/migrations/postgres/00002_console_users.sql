-- The operator console: its users and their sessions, who started a run, and
-- the indexes of 受注一覧 and of an order's last export outcome.

-- +goose Up
CREATE TABLE users (
    id bigserial NOT NULL,
    login character varying(63) NOT NULL,
    password_hash text NOT NULL,
    role character varying(16) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_login ON users (login);

CREATE TABLE sessions (
    token_hash character varying(64) NOT NULL,
    user_id bigint NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone,
    CONSTRAINT sessions_pkey PRIMARY KEY (token_hash)
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);

-- The operator login of a manual run; '' = scheduled, or started before this version.
ALTER TABLE runs ADD COLUMN started_by character varying(128) DEFAULT '' NOT NULL;

-- 受注一覧 (ListOrders) filtered by status, or by 要確認, pages by sale id.
CREATE INDEX orders_status ON orders (shop_id, status, sale_id);
CREATE INDEX orders_flagged ON orders (shop_id, sale_id) WHERE flag_reason <> '';
-- An order's last export outcome (LastExportOutcome, the console's order page).
CREATE INDEX run_outcomes_sale ON run_outcomes (shop_id, sale_id, run_id);
