# The pull-through cache and the node-local endpoint (included from CMakeLists.txt here).
berth_test(registry_proxy_test unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_upstreams_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/proxy_credentials_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/proxy_lru_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/proxy_token_realm_test.cpp
  DEPS berth_registry)
