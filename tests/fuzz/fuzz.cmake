# Included by the top-level CMakeLists.txt when STRICTLOG_FUZZ is ON, before any target is defined, so that
# the core library and everything else is built as the fuzz targets are: with libFuzzer's coverage
# instrumentation, ASan and UBSan (any UBSan report aborts, so the fuzzer sees it as a crash).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "STRICTLOG_FUZZ needs clang, which ships libFuzzer: configure with CXX=clang++")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
# clang 14 warns where g++ 12 does not: -Wmissing-field-initializers on an aggregate initialised in part
# (normalizer/verify/runner.cc: NormalizeOptions{"", 0, false}). -Werror is the g++ build's gate; here that one
# warning is shown without failing the build, and every other warning still fails it.
add_compile_options(-Wno-error=missing-field-initializers)
