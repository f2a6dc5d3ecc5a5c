# One INTERFACE target carries the language standard, Qt's strictness defines and the warning set, so
# every library, executable and test is compiled the same way.
add_library(insights_options INTERFACE)
target_compile_features(insights_options INTERFACE cxx_std_17)
target_compile_definitions(insights_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_FOREACH
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_BEFORE=0x060400)
target_compile_options(insights_options INTERFACE
    -Wall -Wextra -Wpedantic -Wold-style-cast -Woverloaded-virtual -Wnon-virtual-dtor)
option(INSIGHTS_WERROR "Treat warnings as errors (CI turns this on)" OFF)
if(INSIGHTS_WERROR)
    target_compile_options(insights_options INTERFACE -Werror)
endif()
