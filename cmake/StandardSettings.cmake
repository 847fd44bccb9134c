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

option(BERTH_SANITIZE "Build with a sanitizer: address, thread or undefined" "")
if(BERTH_SANITIZE)
  add_compile_options(-fsanitize=${BERTH_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${BERTH_SANITIZE})
endif()

# berth_module(NAME SOURCES... DEPS ...) declares one folder's static library.
function(berth_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC berth_settings ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
