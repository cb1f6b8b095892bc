CREATE DATABASE IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.login
(
    time DateTime('UTC'),
    time_nanos UInt32,
    host_name String,
    host_ip Nullable(FixedString(16)),
    user String,
    outcome Enum8('OUTCOME_UNSPECIFIED' = 0, 'OUTCOME_SUCCESS' = 1, 'OUTCOME_FAILURE' = 2),
    attempts UInt32
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (time, host_name)
;

CREATE TABLE IF NOT EXISTS audit.file_access
(
    time DateTime('UTC'),
    time_nanos UInt32,
    host_name String,
    host_ip Nullable(FixedString(16)),
    path String,
    flags Array(String)
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (time, host_name)
;
