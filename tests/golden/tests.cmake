# Dissector golden files: real kernel traffic captured in namespaces of our
# own (tools/gen_golden.sh, by hand, as root) and scapy 2.5's summary(),
# show() and rebuild of each packet, committed as data. Here pktsh must print
# the same, packet by packet; xfail.txt lists the known differences.
add_test(NAME golden_dissect
  COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/run_golden.py
          --bin ${PKTSH_BIN} --dir ${CMAKE_CURRENT_LIST_DIR})
