# Command-line behaviour of the real binary: options, exit statuses,
# error lines, piped input (tests/cli/test_cli.py documents the cases).
add_test(NAME cli_options
  COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_cli.py ${PKTSH_BIN})
set_tests_properties(cli_options PROPERTIES TIMEOUT 120)

# The examples that send nothing run here; examples/syn_netns.sh sends
# (inside namespaces it makes) and is not run by ctest.
set(ex ${CMAKE_SOURCE_DIR}/examples)
add_test(NAME cli_example_table COMMAND ${PYTHON3}
  ${CMAKE_CURRENT_LIST_DIR}/run_example.py ${PKTSH_BIN} ${ex}/table.pk
  "3 targets, ports 22-443")
add_test(NAME cli_example_craft COMMAND ${PYTHON3}
  ${CMAKE_CURRENT_LIST_DIR}/run_example.py ${PKTSH_BIN} ${ex}/craft.pk
  "ip checksum 0xeea7 tcp checksum 0x672a")
add_test(NAME cli_example_portscan_set COMMAND ${PYTHON3}
  ${CMAKE_CURRENT_LIST_DIR}/run_example.py ${PKTSH_BIN} ${ex}/portscan_set.pk
  "  443  443")
