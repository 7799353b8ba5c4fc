-- 在庫連携 (issue 24): the ColorMe catalogue mapped to OMS SKUs by 型番
-- (stock_units), the OMS on-hand per SKU (stock_levels) with its movement
-- history (stock_movements), the ledger of stock writes to ColorMe
-- (stock_writes) and the shipped order lines already taken off on-hand
-- (stock_deductions). New tables only: no existing row changes.

-- +goose Up
CREATE TABLE stock_units (
    shop_id character varying(63) NOT NULL,
    product_id bigint NOT NULL,
    option1_value text NOT NULL,
    option2_value text NOT NULL,
    product_name text NOT NULL,
    title text NOT NULL,
    model_number text NOT NULL,
    stock_managed boolean NOT NULL,
    per_option boolean NOT NULL,
    colorme_stocks bigint NOT NULL,
    read_at timestamp with time zone NOT NULL,
    CONSTRAINT stock_units_pkey PRIMARY KEY (shop_id, product_id, option1_value, option2_value)
);
CREATE INDEX stock_units_model ON stock_units (shop_id, model_number);

CREATE TABLE stock_levels (
    shop_id character varying(63) NOT NULL,
    sku character varying(50) NOT NULL,
    on_hand bigint NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    CONSTRAINT stock_levels_pkey PRIMARY KEY (shop_id, sku)
);

CREATE TABLE stock_movements (
    id bigserial NOT NULL,
    shop_id character varying(63) NOT NULL,
    sku character varying(50) NOT NULL,
    delta bigint NOT NULL,
    on_hand bigint NOT NULL,
    reason text NOT NULL,
    actor text NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT stock_movements_pkey PRIMARY KEY (id)
);
CREATE INDEX stock_movements_sku ON stock_movements (shop_id, sku, id);

CREATE TABLE stock_writes (
    push_key text NOT NULL,
    shop_id character varying(63) NOT NULL,
    product_id bigint NOT NULL,
    option1_value text NOT NULL,
    option2_value text NOT NULL,
    sku text NOT NULL,
    read_value bigint NOT NULL,
    delta bigint NOT NULL,
    state character varying(16) NOT NULL,
    written_at timestamp with time zone NOT NULL,
    CONSTRAINT stock_writes_pkey PRIMARY KEY (push_key)
);
CREATE INDEX stock_writes_product ON stock_writes (shop_id, product_id, written_at);

CREATE TABLE stock_deductions (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    detail_id bigint NOT NULL,
    CONSTRAINT stock_deductions_pkey PRIMARY KEY (shop_id, sale_id, detail_id)
);
