# The layer engine (engineer "engine"): C-level unit tests and the scapy
# vectors of every layer it owns, run through the real binary (99%: one
# DNS-over-truncated-bytes case waits on dns.c marking partial layers).
pktsh_unit_test(test_packet pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_packet.c)
# bytes per stored dissected packet (VmRSS over 100k packets; no timing)
pktsh_unit_test(test_packet_memory pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_memory.c)

file(GLOB packet_vectors ${CMAKE_CURRENT_LIST_DIR}/vectors/*.jsonl)
if(packet_vectors)
  add_test(NAME packet_vectors
    COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/conformance/run_conformance.py
            --bin ${PKTSH_BIN} --min 99 ${packet_vectors})
  set_tests_properties(packet_vectors PROPERTIES TIMEOUT 600)
endif()

# docs/layers.md is generated from the field tables: it must be current.
add_test(NAME packet_layers_doc
  COMMAND ${CMAKE_COMMAND} -DGEN=$<TARGET_FILE:gen_layers_doc>
          -DDOC=${CMAKE_SOURCE_DIR}/docs/layers.md
          -P ${CMAKE_SOURCE_DIR}/tools/gen_layers_doc.check.cmake)

add_executable(gen_layers_doc ${CMAKE_SOURCE_DIR}/tools/gen_layers_doc.c)
target_link_libraries(gen_layers_doc PRIVATE pktsh_packet)
add_custom_target(layers_doc
  COMMAND gen_layers_doc ${CMAKE_SOURCE_DIR}/docs/layers.md
  DEPENDS gen_layers_doc
  COMMENT "Generating docs/layers.md from the field tables")
