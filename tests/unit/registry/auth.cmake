# Registry authentication, tokens and the audit log (included from CMakeLists.txt here).
berth_test(registry_auth_parsers_test unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth_header_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/auth_challenge_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/auth_scope_test.cpp
  DEPS berth_registry)
berth_test(registry_auth_test unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth_htpasswd_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/auth_access_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/auth_authorizer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/token_signer_test.cpp
  DEPS berth_registry dep_json)
berth_test(registry_audit_test unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/audit_log_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/audit_command_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/audit_operation_test.cpp
  DEPS berth_registry dep_json)
