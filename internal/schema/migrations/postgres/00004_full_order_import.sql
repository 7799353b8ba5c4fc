-- Full order import (受注取得): what staff ship from — each delivery's whole
-- destination, the customer, payment method, memo, totals and line items.
-- Orders imported before stay as they were (full_import false) until the next
-- import fills them in.

-- +goose Up
ALTER TABLE orders ADD COLUMN full_import boolean DEFAULT false NOT NULL;
ALTER TABLE orders ADD COLUMN customer_name text DEFAULT '' NOT NULL;
ALTER TABLE orders ADD COLUMN customer_furigana text DEFAULT '' NOT NULL;
ALTER TABLE orders ADD COLUMN customer_mail text DEFAULT '' NOT NULL;
ALTER TABLE orders ADD COLUMN customer_tel text DEFAULT '' NOT NULL;
ALTER TABLE orders ADD COLUMN payment_id bigint DEFAULT 0 NOT NULL;
ALTER TABLE orders ADD COLUMN memo text DEFAULT '' NOT NULL;
ALTER TABLE orders ADD COLUMN product_total_price bigint DEFAULT 0 NOT NULL;
ALTER TABLE orders ADD COLUMN delivery_total_charge bigint DEFAULT 0 NOT NULL;
ALTER TABLE orders ADD COLUMN fee bigint DEFAULT 0 NOT NULL;
ALTER TABLE orders ADD COLUMN tax bigint DEFAULT 0 NOT NULL;
ALTER TABLE orders ADD COLUMN total_price bigint DEFAULT 0 NOT NULL;

ALTER TABLE deliveries ADD COLUMN furigana text DEFAULT '' NOT NULL;
ALTER TABLE deliveries ADD COLUMN postal text DEFAULT '' NOT NULL;
ALTER TABLE deliveries ADD COLUMN address2 text DEFAULT '' NOT NULL;
ALTER TABLE deliveries ADD COLUMN tel text DEFAULT '' NOT NULL;
ALTER TABLE deliveries ADD COLUMN preferred_date text DEFAULT '' NOT NULL;
ALTER TABLE deliveries ADD COLUMN preferred_period text DEFAULT '' NOT NULL;

CREATE TABLE order_items (
    shop_id character varying(63) NOT NULL,
    sale_id bigint NOT NULL,
    detail_id bigint NOT NULL,
    delivery_id bigint DEFAULT 0 NOT NULL,
    product_id bigint DEFAULT 0 NOT NULL,
    name text DEFAULT '' NOT NULL,
    option_text text DEFAULT '' NOT NULL,
    quantity bigint DEFAULT 0 NOT NULL,
    price bigint DEFAULT 0 NOT NULL,
    subtotal bigint DEFAULT 0 NOT NULL,
    CONSTRAINT order_items_pkey PRIMARY KEY (shop_id, sale_id, detail_id)
);
