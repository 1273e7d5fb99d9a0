# `cmake --install build --prefix P`: the tools, the runtime library and its
# header, the Python loader, and a CMake package (find_package(Tessera)) with
# tessera_add_model() for projects that compile ONNX models in their build.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The tools find libMLIR/libLLVM through the same run path after install.
set_target_properties(tessera-compile tessera-opt PROPERTIES
  INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS tessera-compile tessera-run tessera-opt
  EXPORT TesseraTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tessera_runtime EXPORT TesseraTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# tessera-compile reads the runtime's link dependencies next to it.
install(FILES ${CMAKE_ARCHIVE_OUTPUT_DIRECTORY}/tessera_runtime.link
  DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/runtime/include/tessera_runtime.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/python/tessera_runtime.py
  DESTINATION ${CMAKE_INSTALL_DATADIR}/tessera/python)

set(TESSERA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
install(EXPORT TesseraTargets NAMESPACE Tessera::
  DESTINATION ${TESSERA_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TesseraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/TesseraConfig.cmake
  INSTALL_DESTINATION ${TESSERA_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/TesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/TesseraConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/TesseraConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/TesseraAddModel.cmake
  DESTINATION ${TESSERA_CMAKE_DIR})
