-- Console security, second round (issue 22): the login throttle and the upload
-- previews waiting for 「取込」 move into the database, so that several console
-- processes on one database share them; and staff users get the shops an admin
-- gives them (admins reach every shop).

-- +goose Up
CREATE TABLE login_attempts (
    key_hash character varying(64) NOT NULL,
    attempts bigint NOT NULL,
    last_at timestamp with time zone NOT NULL,
    locked_until timestamp with time zone NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT login_attempts_pkey PRIMARY KEY (key_hash)
);

CREATE TABLE uploads (
    token character varying(64) NOT NULL,
    session character varying(64) NOT NULL,
    shop_id character varying(63) NOT NULL,
    name text NOT NULL,
    data bytea,
    size bigint NOT NULL,
    sha256 character varying(64) NOT NULL,
    state bigint NOT NULL,
    result text NOT NULL,
    added_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT uploads_pkey PRIMARY KEY (token)
);
CREATE INDEX idx_uploads_expires_at ON uploads (expires_at);

CREATE TABLE user_shops (
    user_id bigint NOT NULL,
    shop_id character varying(63) NOT NULL,
    CONSTRAINT user_shops_pkey PRIMARY KEY (user_id, shop_id)
);
CREATE INDEX idx_user_shops_shop_id ON user_shops (shop_id);
-- Staff users of an earlier version reached every shop: they keep the shops
-- there are now, and an admin narrows them in ユーザー管理 or `starter user shops`.
INSERT INTO user_shops (user_id, shop_id) SELECT users.id, shops.id FROM users CROSS JOIN shops WHERE users.role = 'staff';
