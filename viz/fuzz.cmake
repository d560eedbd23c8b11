# viz/fuzz.cmake: the libFuzzer target for the loader (tests/fuzz_load.c), included from
# tests/CMakeLists.txt. libFuzzer needs clang: with clang as the compiler it is an
# ordinary target; otherwise it is built by a custom command that calls clang on the
# model's sources. A short run on a seed corpus of real schedules is the ctest
# `viewer_fuzz_load`; run it by hand for longer (see tests/fuzz_load.c).
set(GMPVIEW_FUZZ_SOURCES
  ${PROJECT_SOURCE_DIR}/tests/fuzz_load.c
  ${PROJECT_SOURCE_DIR}/viz/strtab.c ${PROJECT_SOURCE_DIR}/viz/load.c ${PROJECT_SOURCE_DIR}/viz/describe.c
  ${PROJECT_SOURCE_DIR}/viz/index.c ${PROJECT_SOURCE_DIR}/viz/state.c)
set(GMPVIEW_FUZZ_FLAGS -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined)
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_load ${GMPVIEW_FUZZ_SOURCES})
  target_include_directories(fuzz_load PRIVATE ${PROJECT_SOURCE_DIR}/viz)
  target_compile_options(fuzz_load PRIVATE ${GMPVIEW_FUZZ_FLAGS})
  target_link_options(fuzz_load PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_load PRIVATE PkgConfig::CJSON Threads::Threads m)
  set(GMPVIEW_FUZZ_EXE $<TARGET_FILE:fuzz_load>)
else()
  find_program(GMPVIEW_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14)
  if(GMPVIEW_CLANG)
    set(GMPVIEW_FUZZ_EXE ${CMAKE_CURRENT_BINARY_DIR}/fuzz_load)
    set(_incs)
    foreach(dir ${CJSON_INCLUDE_DIRS})
      list(APPEND _incs -I${dir})
    endforeach()
    add_custom_command(OUTPUT ${GMPVIEW_FUZZ_EXE}
      COMMAND ${GMPVIEW_CLANG} ${GMPVIEW_FUZZ_FLAGS} -I${PROJECT_SOURCE_DIR}/viz ${_incs}
              ${GMPVIEW_FUZZ_SOURCES} ${CJSON_LDFLAGS} -lpthread -lm -o ${GMPVIEW_FUZZ_EXE}
      DEPENDS ${GMPVIEW_FUZZ_SOURCES} ${PROJECT_SOURCE_DIR}/viz/model.h ${PROJECT_SOURCE_DIR}/viz/index.h
      COMMENT "Building fuzz_load with ${GMPVIEW_CLANG} (libFuzzer + ASan + UBSan)" VERBATIM)
    add_custom_target(fuzz_load ALL DEPENDS ${GMPVIEW_FUZZ_EXE})
  else()
    message(STATUS "gmpview: no clang, so no fuzz_load target (apt-get install clang)")
  endif()
endif()
if(GMPVIEW_FUZZ_EXE)
  # Seeds: real schedules from several scenarios, cut short so that runs stay fast. A fixed
  # -seed keeps CI reproducible; run it by hand with other seeds and longer (fuzz_load.c).
  set(_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_load_corpus)
  add_test(NAME viewer_fuzz_load COMMAND sh -c
    "rm -rf '${_corpus}' && mkdir -p '${_corpus}/seed' '${_corpus}/new' && \
     for s in args_copy gosched loopvar steal syscall_handoff; do \
       '$<TARGET_FILE:gmpsim_cli>' run $s --procs 2 --max-events 400 -q -o '${_corpus}/seed/'$s.jsonl >/dev/null 2>&1; \
     done; '${GMPVIEW_FUZZ_EXE}' -seed=1 -max_total_time=20 -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix='${_corpus}/' \
       '${_corpus}/new' '${_corpus}/seed'")
  set_tests_properties(viewer_fuzz_load PROPERTIES TIMEOUT 180)
endif()
