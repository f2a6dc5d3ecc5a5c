# The sanitized tree (`scripts/dev.sh test --sanitize`, `scripts/dev.sh fuzz`): every target of the project,
# tests included, built with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with ASan on
# Linux). Directory-wide flags rather than insights_options so that nothing added later escapes them.
# UBSan findings abort (-fno-sanitize-recover): a report that lets the test pass would go unnoticed.
option(INSIGHTS_SANITIZE "Build everything with ASan + UBSan (LeakSanitizer on)" OFF)
# libFuzzer targets (tests/fuzz); they need clang and imply the sanitizers, so one extra tree serves both.
option(INSIGHTS_FUZZ "Build the libFuzzer targets (needs clang; implies INSIGHTS_SANITIZE)" OFF)
if(INSIGHTS_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "INSIGHTS_FUZZ needs clang (libFuzzer): configure with CXX=clang++")
    endif()
    set(INSIGHTS_SANITIZE ON CACHE BOOL "" FORCE)
endif()

# What every test of the sanitized tree runs with (insights_add_test and the fuzzers add it): leaks checked at
# exit, UBSan stack traces, and the suppressions, which name third-party libraries only (see the files).
set(INSIGHTS_SANITIZER_ENVIRONMENT "")
if(INSIGHTS_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
    set(INSIGHTS_SANITIZER_ENVIRONMENT
        "ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1"
        "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp:print_suppressions=0"
        "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/ubsan.supp")
endif()
