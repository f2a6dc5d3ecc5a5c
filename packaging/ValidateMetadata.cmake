# ctest script: the desktop entry and the AppStream metainfo must pass the freedesktop validators.
#   cmake -DDESKTOP_FILE=... -DMETAINFO_FILE=... -P ValidateMetadata.cmake
foreach(tool desktop-file-validate appstreamcli)
    find_program(_tool_${tool} ${tool})
    if(NOT _tool_${tool})
        message(FATAL_ERROR "${tool} is missing (Debian: desktop-file-utils, appstream; scripts/dev.sh installs them)")
    endif()
endforeach()

execute_process(COMMAND "${_tool_desktop-file-validate}" "${DESKTOP_FILE}"
                RESULT_VARIABLE desktop_status OUTPUT_VARIABLE desktop_out ERROR_VARIABLE desktop_out)
message(STATUS "desktop-file-validate ${DESKTOP_FILE}: status ${desktop_status}\n${desktop_out}")
# desktop-file-validate exits 0 even on some errors: any "error:" line fails the test too.
if(NOT desktop_status EQUAL 0 OR desktop_out MATCHES "error:")
    message(FATAL_ERROR "the desktop entry does not validate")
endif()

execute_process(COMMAND "${_tool_appstreamcli}" validate --no-net "${METAINFO_FILE}"
                RESULT_VARIABLE metainfo_status OUTPUT_VARIABLE metainfo_out ERROR_VARIABLE metainfo_out)
message(STATUS "appstreamcli validate --no-net ${METAINFO_FILE}: status ${metainfo_status}\n${metainfo_out}")
if(NOT metainfo_status EQUAL 0)
    message(FATAL_ERROR "the AppStream metainfo does not validate")
endif()
