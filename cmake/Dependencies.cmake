# Every third-party library becomes one dep_* target, all from Debian packages.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

add_library(dep_openssl INTERFACE)
target_link_libraries(dep_openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)

add_library(dep_yaml INTERFACE)
target_link_libraries(dep_yaml INTERFACE yaml-cpp)

add_library(dep_json INTERFACE)
target_link_libraries(dep_json INTERFACE nlohmann_json::nlohmann_json)

add_library(dep_re2 INTERFACE)
target_link_libraries(dep_re2 INTERFACE PkgConfig::RE2)

# Debian ships cpp-httplib as a shared library whose compile-time macros (OpenSSL, zlib,
# brotli) are fixed: the pkg-config flags must match them or the ABI differs.
add_library(dep_httplib INTERFACE)
target_link_libraries(dep_httplib INTERFACE PkgConfig::HTTPLIB dep_openssl Threads::Threads)

add_library(dep_crypt INTERFACE)
target_link_libraries(dep_crypt INTERFACE crypt)
