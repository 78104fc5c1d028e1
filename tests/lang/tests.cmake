# Language tests: jq-style data files run through the real binary in -c,
# FILE and piped modes (format documented in run_tests.py).
file(GLOB lang_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.test)
list(FILTER lang_tests EXCLUDE REGEX "gaps\\.test$")
foreach(t ${lang_tests})
  get_filename_component(n ${t} NAME_WE)
  add_test(NAME lang_${n}
    COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/run_tests.py ${PKTSH_BIN} ${t})
  set_tests_properties(lang_${n} PROPERTIES TIMEOUT 300)
endforeach()
