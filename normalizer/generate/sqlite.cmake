# The SQLite DDL of strictlog's own data model, by protoc-gen-strictlog-sqlite over every file of
# ${STRICTLOG_PROTOS} (only stored messages make tables: see clickhouse.cmake), into
# ${STRICTLOG_GEN_DIR}/sqlite/sqlite.sql.
set(sqlite_gen_dir ${STRICTLOG_GEN_DIR}/sqlite)
file(MAKE_DIRECTORY ${sqlite_gen_dir})
add_custom_command(OUTPUT ${sqlite_gen_dir}/sqlite.sql
  COMMAND protobuf::protoc
          --plugin=protoc-gen-strictlog-sqlite=$<TARGET_FILE:protoc-gen-strictlog-sqlite>
          --strictlog-sqlite_out=${sqlite_gen_dir} -I${PROJECT_SOURCE_DIR}/proto ${STRICTLOG_PROTOS}
  DEPENDS protoc-gen-strictlog-sqlite ${STRICTLOG_PROTOS}
  COMMENT "SQLite DDL of proto/ (gen/sqlite/sqlite.sql)")
add_custom_target(strictlog_sqlite_ddl ALL DEPENDS ${sqlite_gen_dir}/sqlite.sql)
