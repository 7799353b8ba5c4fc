-- The schema of release 56606a0, exactly as gorm's AutoMigrate made it (and
-- oauth_states, which `starter shop connect` created on first use). A database
-- made by that release is adopted as this version without change.

-- +goose Up
CREATE TABLE shops (
    id character varying(63) NOT NULL,
    name text NOT NULL,
    api_base_url text NOT NULL,
    client_id text NOT NULL,
    redirect_url text NOT NULL,
    client_secret_sealed text NOT NULL,
    access_token_sealed text NOT NULL,
    reconnect_needed boolean NOT NULL,
    reconnect_reason text NOT NULL,
    import_enabled boolean,
    import_interval_minutes bigint,
    import_days bigint,
    export_enabled boolean,
    export_interval_minutes bigint,
    window_days bigint,
    require_ship_date boolean,
    send_mail boolean,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT shops_pkey PRIMARY KEY (id)
);

CREATE TABLE orders (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    status character varying(32) NOT NULL,
    ordered_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    bundle_parent_sale_id bigint,
    colorme_canceled boolean DEFAULT false NOT NULL,
    flag_reason text DEFAULT '' NOT NULL,
    imported_at timestamp with time zone,
    colorme_parent_sale_id bigint,
    CONSTRAINT orders_pkey PRIMARY KEY (shop_id, sale_id)
);
CREATE INDEX orders_bundle_parent ON orders (bundle_parent_sale_id);
-- The target query (FetchTargets) is a range scan on this index. The predicate
-- is spelled exactly as in the query so the planner can use it.
CREATE INDEX orders_targets ON orders (shop_id, updated_at, sale_id) WHERE status NOT IN ('new', 'cancelled');

CREATE TABLE deliveries (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    delivery_id bigint NOT NULL,
    slip_number text DEFAULT '' NOT NULL,
    shipped_on date,
    name text DEFAULT '' NOT NULL,
    pref_name text DEFAULT '' NOT NULL,
    delivery_method_id bigint DEFAULT 0 NOT NULL,
    address1 text DEFAULT '' NOT NULL,
    CONSTRAINT deliveries_pkey PRIMARY KEY (shop_id, sale_id, delivery_id)
);

CREATE TABLE runs (
    id bigserial NOT NULL,
    shop_id character varying(63) NOT NULL,
    kind character varying(16) NOT NULL,
    workflow_id text NOT NULL,
    run_key text NOT NULL,
    trigger character varying(32) NOT NULL,
    window_days bigint NOT NULL,
    require_ship_date boolean NOT NULL,
    send_mail boolean NOT NULL,
    dry_run boolean NOT NULL,
    as_of timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    status character varying(16) NOT NULL,
    error text NOT NULL,
    targets bigint,
    updated bigint,
    unchanged bigint,
    skipped bigint,
    failed bigint,
    mails bigint,
    import_fetched bigint DEFAULT 0 NOT NULL,
    import_created bigint DEFAULT 0 NOT NULL,
    import_updated bigint DEFAULT 0 NOT NULL,
    import_unchanged bigint DEFAULT 0 NOT NULL,
    import_cancelled bigint DEFAULT 0 NOT NULL,
    import_flagged bigint DEFAULT 0 NOT NULL,
    watermark timestamp with time zone,
    CONSTRAINT runs_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX runs_run_key ON runs (run_key);
CREATE INDEX runs_shop ON runs (shop_id, id);

CREATE TABLE run_outcomes (
    run_id bigint NOT NULL,
    sale_id bigint NOT NULL,
    shop_id character varying(63) NOT NULL,
    outcome character varying(16) NOT NULL,
    reason text NOT NULL,
    sent text NOT NULL,
    mailed boolean NOT NULL,
    at timestamp with time zone,
    CONSTRAINT run_outcomes_pkey PRIMARY KEY (run_id, sale_id)
);

CREATE TABLE mail_ledger (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    state character varying(16) NOT NULL,
    run_id bigint NOT NULL,
    claimed_at timestamp with time zone,
    sent_at timestamp with time zone,
    CONSTRAINT mail_ledger_pkey PRIMARY KEY (shop_id, sale_id)
);

CREATE TABLE api_budgets (
    key character varying(200) NOT NULL,
    next_at bigint NOT NULL,
    CONSTRAINT api_budgets_pkey PRIMARY KEY (key)
);

CREATE TABLE oauth_states (
    state_hash character varying(64) NOT NULL,
    shop_id character varying(63) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone,
    CONSTRAINT oauth_states_pkey PRIMARY KEY (state_hash)
);
CREATE INDEX idx_oauth_states_shop_id ON oauth_states (shop_id);
