CREATE TABLE IF NOT EXISTS login (
    time INTEGER NOT NULL,
    time_nanos INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    host_ip TEXT,
    user TEXT NOT NULL,
    outcome TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_order_by ON login (time, host_name);

CREATE TABLE IF NOT EXISTS file_access (
    time INTEGER NOT NULL,
    time_nanos INTEGER NOT NULL,
    host_name TEXT NOT NULL,
    host_ip TEXT,
    path TEXT NOT NULL,
    flags TEXT
);
CREATE INDEX IF NOT EXISTS file_access_order_by ON file_access (time, host_name);
