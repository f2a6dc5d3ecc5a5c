# insights_add_test(NAME name SOURCES ... LIBS ... [TIMEOUT s] [LABELS ...] [DATA_ENV])
# One executable per test class, registered with CTest, headless (offscreen platform), with the
# fixture folder and the build's executable passed in the environment.
function(insights_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENVIRONMENT" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE insights_options Qt6::Test ${T_LIBS})
    target_compile_definitions(${T_NAME} PRIVATE
        INSIGHTS_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
        INSIGHTS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        INSIGHTS_BINARY_DIR="${PROJECT_BINARY_DIR}")
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES
        TIMEOUT ${T_TIMEOUT}
        LABELS "${T_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;INSIGHTS_DEBUGGER_EXE=$<TARGET_FILE:insights-debugger>;${T_ENVIRONMENT};${INSIGHTS_SANITIZER_ENVIRONMENT}")
endfunction()
