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

# build (owner: build)
# sets built from a template against the general build, packet by packet
pktsh_unit_test(test_sets_fast pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_sets_fast.c)

# haslayer() on lazy packets (dissect_skim.c) answers as the full chain:
# every class, every truncation, corrupted bytes (owner: dissect)
pktsh_unit_test(test_skim pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_skim.c)
# packet_<name>: run <name>.pk with a scratch directory and compare its
# output with <name>.expected (run_expect.py)
function(packet_expect_test name)
  add_test(NAME packet_${name}
    COMMAND ${PYTHON3} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/run_expect.py
            ${PKTSH_BIN} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.pk
            ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.expected)
endfunction()

# rdpcap()'s lists keep records until asked for: reading them every way
# gives what the packets did before (owner: dissect)
packet_expect_test(rdpcap_records)
# errors name a packet by its class ('IP', not 'Packet'; owner: dissect)
packet_expect_test(class_names)

# loop (owner: loopperf)
# `for p in s` reuses the packet nobody holds: kept, renamed, nested,
# changed packets stay distinct and right; raw(p) as the general build
pktsh_unit_test(test_loop_sets pktsh_packet
  ${CMAKE_CURRENT_LIST_DIR}/test_loop_sets.c)
# layers inside packet fields (DNS records, IP options) are found by
# `in`, haslayer, getlayer and p[...], on built, dissected and lazy
# packets; expected output is scapy 2.5's (robustness.md E10)
packet_expect_test(in_fields)
