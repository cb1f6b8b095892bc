# The Markdown event reference of strictlog's own model, by protoc-gen-strictlog-markdown over every file of
# ${STRICTLOG_PROTOS} (their comments: protoc passes source info for the files it is given) joined with the
# rules of grammars/ and mappings/, into ${STRICTLOG_GEN_DIR}/markdown/events.md. Its committed copy is
# docs/reference/events.md: the target update-reference-docs (tools/regenerate-docs) copies it there, and the
# golden test tests/generate/reference_docs_test.cc fails while the two differ.
set(markdown_gen_dir ${STRICTLOG_GEN_DIR}/markdown)
file(MAKE_DIRECTORY ${markdown_gen_dir})
# Globbed at build time too (CONFIGURE_DEPENDS), so that a new grammar or mapping file regenerates the docs.
file(GLOB_RECURSE markdown_rule_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/grammars/*.grammar
     ${PROJECT_SOURCE_DIR}/mappings/*.mapping)
add_custom_command(OUTPUT ${markdown_gen_dir}/events.md
  COMMAND protobuf::protoc
          --plugin=protoc-gen-strictlog-markdown=$<TARGET_FILE:protoc-gen-strictlog-markdown>
          --strictlog-markdown_out=${markdown_gen_dir}
          --strictlog-markdown_opt=grammars=${PROJECT_SOURCE_DIR}/grammars,mappings=${PROJECT_SOURCE_DIR}/mappings
          -I${PROJECT_SOURCE_DIR}/proto ${STRICTLOG_PROTOS}
  DEPENDS protoc-gen-strictlog-markdown ${STRICTLOG_PROTOS} ${markdown_rule_files}
  COMMENT "Markdown event reference of proto/, grammars/ and mappings/ (gen/markdown/events.md)")
add_custom_target(strictlog_markdown_reference ALL DEPENDS ${markdown_gen_dir}/events.md)

# Rewrites the committed copy; review `git diff docs/reference/` before committing it.
add_custom_target(update-reference-docs
  COMMAND ${CMAKE_COMMAND} -E copy ${markdown_gen_dir}/events.md ${PROJECT_SOURCE_DIR}/docs/reference/events.md
  DEPENDS ${markdown_gen_dir}/events.md
  COMMENT "Copying gen/markdown/events.md to docs/reference/events.md")
