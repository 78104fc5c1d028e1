# Volatile values (RandShort(), RandIP(), ...; src/packet/volatile.c).
# The language-level cases run through tests/lang/run_tests.py with a
# fixed PKTSH_SEED, so the values they print are reproducible.
pktsh_unit_test(test_volatile pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_volatile.c)

add_test(NAME volatile_values
  COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/lang/run_tests.py ${PKTSH_BIN}
          ${CMAKE_CURRENT_LIST_DIR}/values.test)
set_tests_properties(volatile_values PROPERTIES TIMEOUT 300
  ENVIRONMENT PKTSH_SEED=2026)

# Volatiles as packet field values need the engine's hooks
# (/work/notes/volatile-hook.patch: pk_field_set keeps a volatile,
# pk_gen_value draws it at each build) and command() needs show.c to call
# pk_volatile_command (volatile-command.patch). Each file below runs once
# its hook is in the tree; cmake re-runs when those sources change.
foreach(vol_pair "fields:sets.c:pk_volatile_draw" "command:show.c:pk_volatile_command")
  string(REPLACE ":" ";" vol_pair "${vol_pair}")
  list(GET vol_pair 0 vol_name)
  list(GET vol_pair 1 vol_src)
  list(GET vol_pair 2 vol_needle)
  set(vol_src ${CMAKE_SOURCE_DIR}/src/packet/${vol_src})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${vol_src})
  file(READ ${vol_src} vol_text)
  string(FIND "${vol_text}" "${vol_needle}" vol_at)
  if(vol_at GREATER -1)
    add_test(NAME volatile_${vol_name}
      COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/lang/run_tests.py
              ${PKTSH_BIN} ${CMAKE_CURRENT_LIST_DIR}/${vol_name}.test)
    set_tests_properties(volatile_${vol_name} PROPERTIES TIMEOUT 300
      ENVIRONMENT PKTSH_SEED=2026)
  else()
    message(STATUS "volatile_${vol_name} not run: its hook is not applied")
  endif()
endforeach()
