ALTER TABLE audit.login ADD COLUMN host_domain String AFTER host_ip;
ALTER TABLE audit.login MODIFY COLUMN outcome Enum8('OUTCOME_UNSPECIFIED' = 0, 'OUTCOME_SUCCESS' = 1, 'OUTCOME_FAILURE' = 2, 'OUTCOME_LOCKED' = 3);
ALTER TABLE audit.login ADD COLUMN method String AFTER attempts;
ALTER TABLE audit.login ADD COLUMN session_seconds Nullable(UInt32) AFTER method;
ALTER TABLE audit.file_access ADD COLUMN host_domain String AFTER host_ip;
CREATE TABLE IF NOT EXISTS audit.logout
(
    time DateTime('UTC'),
    time_nanos UInt32,
    host_name String,
    host_ip Nullable(FixedString(16)),
    host_domain String,
    user String,
    session_start DateTime('UTC'),
    session_start_nanos UInt32
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (time, host_name)
;
