-- The registry's schema, for SQLite and PostgreSQL alike: only types and
-- statements both understand (TEXT, INTEGER, BIGINT, partial indexes,
-- ON CONFLICT). Times are Unix seconds; 0 means "never". Booleans are 0/1.

CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE holders (
	holder_id    TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	id_hash      TEXT NOT NULL UNIQUE,   -- HMAC-SHA-256 of the national ID number, keyed with the registry secret
	photo_digest TEXT NOT NULL,
	photo_ref    TEXT NOT NULL,
	link_hash    TEXT NOT NULL UNIQUE,   -- SHA-256 of the holder's link token
	public_key   TEXT NOT NULL,          -- the holder's public key, base64 DER, or ''
	colour       INTEGER NOT NULL,
	reason       INTEGER NOT NULL,
	hints        BIGINT NOT NULL,
	version      BIGINT NOT NULL,        -- number of status or name changes
	registered   INTEGER NOT NULL,
	open_appeals BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	changed_at   BIGINT NOT NULL
);

CREATE TABLE history (
	holder_id TEXT NOT NULL REFERENCES holders (holder_id),
	version   BIGINT NOT NULL,
	changed_at BIGINT NOT NULL,
	colour    INTEGER NOT NULL,
	reason    INTEGER NOT NULL,
	hints     BIGINT NOT NULL,
	name      TEXT NOT NULL,
	actor     TEXT NOT NULL,
	event_id  TEXT NOT NULL,
	why       TEXT NOT NULL,
	PRIMARY KEY (holder_id, version)
);

CREATE TABLE events (
	event_id   TEXT PRIMARY KEY,
	holder_id  TEXT NOT NULL,
	applied_at BIGINT NOT NULL
);

CREATE TABLE passes (
	pass_id       TEXT PRIMARY KEY,
	holder_id     TEXT NOT NULL REFERENCES holders (holder_id),
	issuer        TEXT NOT NULL,
	kid           TEXT NOT NULL,
	issued_at     BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	colour        INTEGER NOT NULL,
	reason        INTEGER NOT NULL,
	hints         BIGINT NOT NULL,
	version       BIGINT NOT NULL,
	code          TEXT NOT NULL,
	revoked_at    BIGINT NOT NULL,
	superseded_at BIGINT NOT NULL
);
-- One live pass per holder, enforced by the database too.
CREATE UNIQUE INDEX passes_live ON passes (holder_id) WHERE revoked_at = 0 AND superseded_at = 0;
CREATE INDEX passes_holder ON passes (holder_id, issued_at);
CREATE INDEX passes_revoked ON passes (issuer, expires_at, pass_id) WHERE revoked_at <> 0; -- covers publishing

CREATE TABLE appeals (
	appeal_id   TEXT PRIMARY KEY,
	holder_id   TEXT NOT NULL REFERENCES holders (holder_id),
	body        TEXT NOT NULL,
	state       TEXT NOT NULL,
	note        TEXT NOT NULL,
	opened_at   BIGINT NOT NULL,
	resolved_at BIGINT NOT NULL,
	resolved_by TEXT NOT NULL
);
CREATE INDEX appeals_holder ON appeals (holder_id);

CREATE TABLE operators (
	name       TEXT PRIMARY KEY,
	role       TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the token
	created_at BIGINT NOT NULL
);

CREATE TABLE issuers (
	issuer       TEXT PRIMARY KEY,
	name_zh      TEXT NOT NULL,
	name_en      TEXT NOT NULL,
	max_lifetime BIGINT NOT NULL,        -- seconds
	colours      TEXT NOT NULL           -- e.g. 'green,yellow,red'
);

CREATE TABLE issuer_keys (
	issuer      TEXT NOT NULL REFERENCES issuers (issuer),
	public_key  TEXT NOT NULL,           -- base64 DER SubjectPublicKeyInfo
	valid_from  BIGINT NOT NULL,
	valid_until BIGINT NOT NULL,
	PRIMARY KEY (issuer, public_key)
);

CREATE TABLE bundles (
	seq          BIGINT PRIMARY KEY,
	published_at BIGINT NOT NULL
);
