-- Delivery and payment methods (issue 21): each shop's 配送方法 and 決済方法 as
-- ColorMe lists them (GET /v1/deliveries, GET /v1/payments), read when the shop
-- connects, once a day by the scheduled import and on demand, so that staff
-- see names instead of ids and each delivery gets its label program. The shop's
-- own クール区分 per delivery method (cool) stays across reads. method_reads
-- records when the methods were last read, and why the last read failed.

-- +goose Up
CREATE TABLE delivery_methods (
    shop_id character varying(63) NOT NULL,
    method_id bigint NOT NULL,
    name text DEFAULT '' NOT NULL,
    method_type character varying(32) DEFAULT '' NOT NULL,
    slip_number_use boolean DEFAULT false NOT NULL,
    slip_number_url text DEFAULT '' NOT NULL,
    hidden boolean DEFAULT false NOT NULL,
    sort bigint DEFAULT 0 NOT NULL,
    cool character varying(16) DEFAULT '' NOT NULL,
    CONSTRAINT delivery_methods_pkey PRIMARY KEY (shop_id, method_id)
);

CREATE TABLE payment_methods (
    shop_id character varying(63) NOT NULL,
    method_id bigint NOT NULL,
    name text DEFAULT '' NOT NULL,
    payment_type bigint DEFAULT 0 NOT NULL,
    cod boolean DEFAULT false NOT NULL,
    fee bigint DEFAULT 0 NOT NULL,
    hidden boolean DEFAULT false NOT NULL,
    sort bigint DEFAULT 0 NOT NULL,
    CONSTRAINT payment_methods_pkey PRIMARY KEY (shop_id, method_id)
);

CREATE TABLE method_reads (
    shop_id character varying(63) NOT NULL,
    read_at timestamp with time zone,
    tried_at timestamp with time zone,
    error text DEFAULT '' NOT NULL,
    CONSTRAINT method_reads_pkey PRIMARY KEY (shop_id)
);
