ALTER TABLE login ADD COLUMN host_domain String AFTER host_ip;
ALTER TABLE login MODIFY COLUMN outcome Enum8('OUTCOME_UNSPECIFIED' = 0, 'OUTCOME_SUCCESS' = 1, 'OUTCOME_FAILURE' = 2, 'OUTCOME_LOCKED' = 3);
ALTER TABLE login ADD COLUMN method String AFTER attempts;
ALTER TABLE login ADD COLUMN session_seconds Nullable(UInt32) AFTER method;
ALTER TABLE file_access ADD COLUMN host_domain String AFTER host_ip;
CREATE TABLE IF NOT EXISTS logout
(
    time DateTime64(9, 'UTC'),
    host_name String,
    host_ip Nullable(IPv6),
    host_domain String,
    user String,
    session_start DateTime64(9, 'UTC')
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (time, host_name)
;
