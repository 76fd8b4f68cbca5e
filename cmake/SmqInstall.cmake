# cmake --install: the libraries and their public headers, the exported targets smq::broker,
# smq::client (with smq::protocol, smq::client_api and smq::asio_standalone they need) and the
# package config for find_package(smq), the web app and the example configuration.
include(CMakePackageConfigHelpers)

# In-tree names for add_subdirectory / FetchContent users, the same as find_package gives.
set(smq_exported_targets smq_protocol smq_client_api smq_client smq_broker asio_standalone)
foreach(target IN LISTS smq_exported_targets)
  string(REGEX REPLACE "^smq_" "" export_name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  add_library(smq::${export_name} ALIAS ${target})
endforeach()

install(TARGETS ${smq_exported_targets} EXPORT smqTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${SMQ_INSTALL_INCLUDEDIR})

# Every header of the libraries, in the tree's layout (broker/*.hpp include protocol/ and
# smq/ headers by those paths). The executables' app/ (and the npm web app) are not API.
install(DIRECTORY protocol/ DESTINATION ${SMQ_INSTALL_INCLUDEDIR}/protocol
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY broker/ DESTINATION ${SMQ_INSTALL_INCLUDEDIR}/broker
        FILES_MATCHING PATTERN "*.hpp" PATTERN "app" EXCLUDE)
install(DIRECTORY clients/cpp/smq/ DESTINATION ${SMQ_INSTALL_INCLUDEDIR}/smq
        FILES_MATCHING PATTERN "*.hpp")

set(SMQ_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/smq)
install(EXPORT smqTargets NAMESPACE smq:: DESTINATION ${SMQ_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/smqConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/smqConfig.cmake
                              INSTALL_DESTINATION ${SMQ_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/smqConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/smqConfig.cmake ${PROJECT_BINARY_DIR}/smqConfigVersion.cmake
        DESTINATION ${SMQ_INSTALL_CMAKEDIR})

# The web app is built by npm (cd broker/web/app && npm run build), not by CMake, so it may
# be missing: then it is left out of the install (OPTIONAL, and checked again at install
# time, so building it after configuring is enough) and the broker serves only its own pages.
set(smq_web_dist ${PROJECT_SOURCE_DIR}/broker/web/app/dist)
if(NOT EXISTS ${smq_web_dist}/index.html)
  message(STATUS "smq: the web app is not built (${smq_web_dist}); cmake --install and the "
                 "package leave it out. Build it first with: cd broker/web/app && npm ci && npm run build")
endif()
install(DIRECTORY ${smq_web_dist}/ DESTINATION ${SMQ_INSTALL_WWWDIR} OPTIONAL)

# The annotated example configuration with every key and its default.
install(FILES docs/smq.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
