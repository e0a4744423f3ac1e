# cmake -DSOURCE_DIR=... -DAPI_HEADERS="a.hpp;b.hpp" -P check_api_headers.cmake
# Fails unless recpool.hpp includes exactly the API headers (cmake/package.cmake: every header of the engine's
# folders but RECPOOL_INTERNAL_HEADERS): a new header must be declared API (in recpool.hpp) or internal.
file(STRINGS ${SOURCE_DIR}/recpool.hpp lines REGEX "^#include \"")
set(umbrella)
foreach(l ${lines})
  string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" h "${l}")
  list(APPEND umbrella ${h})
endforeach()
set(missing ${API_HEADERS})
list(REMOVE_ITEM missing ${umbrella})
set(extra ${umbrella})
list(REMOVE_ITEM extra ${API_HEADERS})
if(missing OR extra)
  message(FATAL_ERROR "recpool.hpp and the API header list of cmake/package.cmake disagree.\n"
    "  not in recpool.hpp (add it there, or list it in RECPOOL_INTERNAL_HEADERS): ${missing}\n"
    "  in recpool.hpp but internal or absent: ${extra}")
endif()
list(LENGTH umbrella n)
message(STATUS "api_headers: recpool.hpp includes the ${n} API headers")
