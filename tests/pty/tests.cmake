# The interactive shell driven through a pseudo-terminal (python3's pty
# module): one ctest case per scenario of tests/pty/test_repl.py.
foreach(t banner quiet continuation history no_home ro_home completion
    interrupt error no_color exit after_script)
  add_test(NAME pty_${t}
    COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_repl.py ${PKTSH_BIN} ${t})
  set_tests_properties(pty_${t} PROPERTIES TIMEOUT 30)
endforeach()
# Needs the layer engine (IP's field names through its attrnames hook).
add_test(NAME pty_fields
  COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_repl.py ${PKTSH_BIN} fields)
set_tests_properties(pty_fields PROPERTIES TIMEOUT 30)
