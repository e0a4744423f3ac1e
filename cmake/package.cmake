# recpool as a package other CMake projects build on (included once from CMakeLists.txt, after the targets).
#
#   cmake --install build --prefix PREFIX   installs
#     PREFIX/lib/librecpool.{a,so}                       the engine (BUILD_SHARED_LIBS picks which)
#     PREFIX/include/recpool/{graph,ops,...}/*.hpp       the API headers, and recpool/recpool.hpp including all of them
#     PREFIX/include/recpool/benchmarks/*.hpp            the Google Benchmark helpers (need benchmark::benchmark)
#     PREFIX/bin/recpool                                 the command
#     PREFIX/lib/cmake/recpool/                          recpoolConfig.cmake, its version file and the targets
#   find_package(recpool 0.2 REQUIRED) + target_link_libraries(app PRIVATE recpool::recpool) in the other project.
#
# Headers keep their in-tree spelling: the engine includes "graph/graph.hpp", users <recpool/graph/graph.hpp>.
# Both resolve because the target's include path has PREFIX/include and PREFIX/include/recpool (installed) or the
# build tree's include/ with recpool -> the source root (in-tree). docs/architecture.md, "recpool as a package".
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Which headers are API. Every header of the engine's folders is, except these: they are included only by the
# engine's own .cpp files, are not installed, and may change without notice. recpool.hpp includes every API
# header, and the test api_headers fails when a header is in neither list, so making a header public (or not) is
# a change a reviewer sees in recpool.hpp or here.
set(RECPOOL_INTERNAL_HEADERS graph/blas.hpp ops/vmath.hpp ops/isa.hpp ops/linear_kernels.hpp ops/lane_sum.hpp
  ops/row_normalize.hpp)
set(RECPOOL_BENCH_HEADERS benchmarks/bench_common.hpp benchmarks/op_bench.hpp)

add_library(recpool::recpool ALIAS recpool_core)
target_compile_features(recpool_core PUBLIC cxx_std_17)  # the headers use C++17; a user's target gets it too
set_target_properties(recpool_core PROPERTIES EXPORT_NAME recpool OUTPUT_NAME recpool
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})

# The build tree spells the headers the way an install does: build/include/recpool -> the source root.
set(RECPOOL_BUILD_INCLUDE ${CMAKE_CURRENT_BINARY_DIR}/include)
file(MAKE_DIRECTORY ${RECPOOL_BUILD_INCLUDE})
if(NOT EXISTS ${RECPOOL_BUILD_INCLUDE}/recpool)
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${RECPOOL_BUILD_INCLUDE}/recpool SYMBOLIC)
endif()
target_include_directories(recpool_core PUBLIC
  $<BUILD_INTERFACE:${RECPOOL_BUILD_INCLUDE}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/recpool>)

install(TARGETS recpool_core EXPORT recpoolTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET recpool)
  # The installed command finds a shared librecpool next to it, wherever the prefix is moved.
  set_target_properties(recpool PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  install(TARGETS recpool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

file(GLOB RECPOOL_ALL_HEADERS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS graph/*.hpp ops/*.hpp models/*.hpp optim/*.hpp data/*.hpp)
set(RECPOOL_API_HEADERS ${RECPOOL_ALL_HEADERS})
list(REMOVE_ITEM RECPOOL_API_HEADERS ${RECPOOL_INTERNAL_HEADERS})
foreach(h recpool.hpp ${RECPOOL_API_HEADERS} ${RECPOOL_BENCH_HEADERS})
  get_filename_component(dir ${h} DIRECTORY)
  install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/recpool/${dir})
endforeach()

set(RECPOOL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/recpool)
install(EXPORT recpoolTargets NAMESPACE recpool:: DESTINATION ${RECPOOL_CMAKE_DIR})
configure_package_config_file(cmake/recpoolConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/recpoolConfig.cmake
  INSTALL_DESTINATION ${RECPOOL_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same 0.MINOR satisfies a request.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/recpoolConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/recpoolConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/recpoolConfigVersion.cmake
  DESTINATION ${RECPOOL_CMAKE_DIR})

# The API list above and recpool.hpp must agree.
add_test(NAME api_headers COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}
  "-DAPI_HEADERS=${RECPOOL_API_HEADERS}" -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/check_api_headers.cmake)
