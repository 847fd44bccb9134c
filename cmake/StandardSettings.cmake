add_library(berth_warnings INTERFACE)
target_compile_options(berth_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers
  # GCC 12 at -O2/-O3 reports false -Wrestrict overlaps inside std::string concatenation
  # (GCC bug 105329); it fails Release builds of correct code.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

# Includes are by path from the repository root: #include "policy/engine.h".
add_library(berth_settings INTERFACE)
target_include_directories(berth_settings INTERFACE ${PROJECT_SOURCE_DIR})
target_link_libraries(berth_settings INTERFACE berth_warnings Threads::Threads)

# Sanitizer builds (scripts/sanitizer-tests.sh): `address` is AddressSanitizer with UBSan,
# `thread` is ThreadSanitizer. Every finding aborts (-fno-sanitize-recover), so a test program or
# a berth child process fails on it instead of printing a warning and carrying on.
set(BERTH_SANITIZE "" CACHE STRING "Sanitizers: empty, address (ASan + UBSan) or thread (TSan)")
set_property(CACHE BERTH_SANITIZE PROPERTY STRINGS "" address thread)
if(BERTH_SANITIZE STREQUAL "address")
  set(BERTH_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(BERTH_SANITIZE STREQUAL "thread")
  set(BERTH_SANITIZE_FLAGS -fsanitize=thread)
elseif(BERTH_SANITIZE)
  message(FATAL_ERROR "BERTH_SANITIZE must be empty, address or thread, not '${BERTH_SANITIZE}'")
endif()
if(BERTH_SANITIZE)
  add_compile_options(${BERTH_SANITIZE_FLAGS} -fno-omit-frame-pointer)
  add_link_options(${BERTH_SANITIZE_FLAGS})
endif()

# berth_module(NAME SOURCES... DEPS ...) declares one folder's static library.
function(berth_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC berth_settings ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# Precompiled headers for every Berth target (each compiles its own): the heavy third-party
# headers are most of a translation unit's compile time. Off by default; the sanitizer builds
# (scripts/sanitizer-tests.sh) turn it on to fit the CI budget.
option(BERTH_PRECOMPILE_HEADERS "Precompile the heavy third-party headers" OFF)
if(BERTH_PRECOMPILE_HEADERS)
  target_precompile_headers(berth_settings INTERFACE
    <nlohmann/json.hpp> <string> <string_view> <vector> <map> <memory> <functional> <optional>
    <filesystem> <mutex> <thread>)
endif()
