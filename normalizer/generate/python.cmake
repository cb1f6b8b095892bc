# The typed Python reader of strictlog's own model, by protoc-gen-strictlog-python over every file of
# ${STRICTLOG_PROTOS} (only stored messages make tables: see clickhouse.cmake), for ClickHouse 18.16 like
# gen/clickhouse/clickhouse.sql, into ${STRICTLOG_GEN_DIR}/python/strictlog_events.py (docs/SCHEMA.md).
set(python_gen_dir ${STRICTLOG_GEN_DIR}/python)
file(MAKE_DIRECTORY ${python_gen_dir})
add_custom_command(OUTPUT ${python_gen_dir}/strictlog_events.py
  COMMAND protobuf::protoc
          --plugin=protoc-gen-strictlog-python=$<TARGET_FILE:protoc-gen-strictlog-python>
          --strictlog-python_out=${python_gen_dir} --strictlog-python_opt=clickhouse_version=18.16
          -I${PROJECT_SOURCE_DIR}/proto ${STRICTLOG_PROTOS}
  DEPENDS protoc-gen-strictlog-python ${STRICTLOG_PROTOS}
  COMMENT "Python reader of proto/ (gen/python/strictlog_events.py)")
add_custom_target(strictlog_python_reader ALL DEPENDS ${python_gen_dir}/strictlog_events.py)
