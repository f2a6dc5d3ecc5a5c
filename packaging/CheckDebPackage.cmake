# ctest script: builds the .deb with CPack and checks what a fresh Debian machine would get from it.
#   cmake -DBINARY_DIR=... -DAPP_ID=... -P CheckDebPackage.cmake
# Prints "SKIP:" (the test's SKIP_REGULAR_EXPRESSION) when the Debian packaging tools are missing.
find_program(DPKG_DEB dpkg-deb)
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(FILE_TOOL file)
if(NOT DPKG_DEB OR NOT DPKG_SHLIBDEPS OR NOT FILE_TOOL)
    message(STATUS "SKIP: dpkg-deb, dpkg-shlibdeps (dpkg-dev) and file are needed to build the .deb")
    return()
endif()

set(out "${BINARY_DIR}/deb-check")
file(REMOVE_RECURSE "${out}")
execute_process(COMMAND "${CMAKE_CPACK_COMMAND}" -G DEB -B "${out}" --config "${BINARY_DIR}/CPackConfig.cmake"
                RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "cpack failed:\n${output}")
endif()
file(GLOB debs "${out}/*.deb")
list(LENGTH debs count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one .deb in ${out}, found: ${debs}")
endif()
message(STATUS "built ${debs}")

execute_process(COMMAND "${DPKG_DEB}" -f "${debs}" Depends OUTPUT_VARIABLE depends)
message(STATUS "Depends: ${depends}")
# Plugins Qt loads at run time are invisible to dpkg-shlibdeps: they must be named.
foreach(dependency libqt6sql6-sqlite qt6-qpa-plugins libqt6svg6 libqt6widgets6)
    if(NOT depends MATCHES "(^|[ ,])${dependency}([ ,(]|$)")
        message(FATAL_ERROR "the package does not depend on ${dependency}")
    endif()
endforeach()

execute_process(COMMAND "${DPKG_DEB}" -c "${debs}" OUTPUT_VARIABLE contents)
foreach(path
        "./usr/bin/insights-debugger"
        "./usr/share/applications/${APP_ID}.desktop"
        "./usr/share/metainfo/${APP_ID}.metainfo.xml"
        "./usr/share/icons/hicolor/scalable/apps/${APP_ID}.svg")
    string(FIND "${contents}" "${path}" found)
    if(found EQUAL -1)
        message(FATAL_ERROR "the package lacks ${path}:\n${contents}")
    endif()
endforeach()

# The installed program runs.
set(root "${out}/root")
execute_process(COMMAND "${DPKG_DEB}" -x "${debs}" "${root}" RESULT_VARIABLE status)
execute_process(COMMAND "${root}/usr/bin/insights-debugger" --version
                RESULT_VARIABLE status OUTPUT_VARIABLE version ERROR_VARIABLE version)
if(NOT status EQUAL 0 OR NOT version MATCHES "^insights-debugger [0-9]")
    message(FATAL_ERROR "the packaged program does not run: ${status} ${version}")
endif()
message(STATUS "${version}")
file(REMOVE_RECURSE "${out}")
