# Install and export: headers, static libraries and a corioConfig.cmake package (namespace corio::).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CORIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/corio)
set(CORIO_INSTALLED_TARGETS corio_core corio_net corio_http corio_llhttp)
set(CORIO_HAS_PG OFF)   # ON: corioConfig.cmake looks for libpq, which corio::pg links
if(TARGET corio_pg)
    list(APPEND CORIO_INSTALLED_TARGETS corio_pg)
    set(CORIO_HAS_PG ON)
endif()
set(CORIO_HAS_JSON OFF) # ON: corioConfig.cmake looks for simdjson, which corio::json links
if(TARGET corio_json)
    list(APPEND CORIO_INSTALLED_TARGETS corio_json)
    set(CORIO_HAS_JSON ON)
endif()
install(TARGETS ${CORIO_INSTALLED_TARGETS}
    EXPORT corio-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT corio-targets NAMESPACE corio:: DESTINATION ${CORIO_CMAKE_DIR})
export(EXPORT corio-targets NAMESPACE corio:: FILE ${PROJECT_BINARY_DIR}/corio-targets.cmake)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/corioConfig.cmake.in
    ${PROJECT_BINARY_DIR}/corioConfig.cmake INSTALL_DESTINATION ${CORIO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/corioConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/corioConfig.cmake ${PROJECT_BINARY_DIR}/corioConfigVersion.cmake
    DESTINATION ${CORIO_CMAKE_DIR})
