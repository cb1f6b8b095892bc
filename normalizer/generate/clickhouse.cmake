# The ClickHouse DDL of strictlog's own data model, by protoc-gen-strictlog-clickhouse over every file of
# ${STRICTLOG_PROTOS}: `clickhouse.sql` for ClickHouse 18.16 (Debian's server, the one the tests run) and
# `clickhouse-23.8.sql` for a current release (DateTime64, skipping indexes, codecs, TTL, IPv6), in
# ${STRICTLOG_GEN_DIR}/clickhouse/. Only stored messages make tables (Event's and QuarantineRecord's, each
# declared in one file), so passing every file adds no table twice and picks up a stored message added to
# any of them.
set(clickhouse_gen_dir ${STRICTLOG_GEN_DIR}/clickhouse)
file(MAKE_DIRECTORY ${clickhouse_gen_dir})
set(clickhouse_outputs)
foreach(version 18.16 23.8)
  if(version STREQUAL "18.16")
    set(clickhouse_file clickhouse.sql)
  else()
    set(clickhouse_file clickhouse-${version}.sql)
  endif()
  add_custom_command(OUTPUT ${clickhouse_gen_dir}/${clickhouse_file}
    COMMAND protobuf::protoc
            --plugin=protoc-gen-strictlog-clickhouse=$<TARGET_FILE:protoc-gen-strictlog-clickhouse>
            --strictlog-clickhouse_out=${clickhouse_gen_dir}
            --strictlog-clickhouse_opt=clickhouse_version=${version},file=${clickhouse_file}
            -I${PROJECT_SOURCE_DIR}/proto ${STRICTLOG_PROTOS}
    DEPENDS protoc-gen-strictlog-clickhouse ${STRICTLOG_PROTOS}
    COMMENT "ClickHouse ${version} DDL of proto/ (gen/clickhouse/${clickhouse_file})")
  list(APPEND clickhouse_outputs ${clickhouse_gen_dir}/${clickhouse_file})
endforeach()
add_custom_target(strictlog_clickhouse_ddl ALL DEPENDS ${clickhouse_outputs})
