ALTER TABLE login ADD COLUMN host_domain TEXT NOT NULL DEFAULT '';
ALTER TABLE login ADD COLUMN method TEXT NOT NULL DEFAULT '';
ALTER TABLE login ADD COLUMN session_seconds INTEGER;
ALTER TABLE file_access ADD COLUMN host_domain TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS logout (
    time INTEGER NOT NULL,
    time_nanos INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    host_ip TEXT,
    host_domain TEXT NOT NULL,
    user TEXT NOT NULL,
    session_start INTEGER NOT NULL,
    session_start_nanos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS logout_order_by ON logout (time, host_name);
