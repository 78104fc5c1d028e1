# IPv6, ICMPv6 and DNS layers against vectors made by scapy 2.5
# (tools/gen_vectors_layers6.py, run by hand).

# Dissect, repr and round-trip cases through the C API.
pktsh_unit_test(test_layers6 pktsh_all ${CMAKE_CURRENT_LIST_DIR}/test_layers6.c)
if(TARGET test_layers6)
  target_compile_definitions(test_layers6 PRIVATE
    L6_VECTORS="${CMAKE_CURRENT_LIST_DIR}/vectors.jsonl"
    L6_XFAIL="${CMAKE_CURRENT_LIST_DIR}/xfail.txt")
endif()

# Every case (build and show2 too) through the pktsh binary.
add_test(NAME layers6_vectors
  COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/run_vectors.py
          --bin ${PKTSH_BIN} --xfail ${CMAKE_CURRENT_LIST_DIR}/xfail.txt
          ${CMAKE_CURRENT_LIST_DIR}/vectors.jsonl)
