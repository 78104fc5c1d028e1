# Net tests.
#  - test_net_sndrcv: the matcher and the send/receive loop over the
#    in-memory loopback backend (cmocka; no root, no network).
#  - net_ns_*: scenarios against the Linux kernel in network namespaces
#    each test makes and removes (tests/net/nstest.sh). They need root and
#    are skipped (exit 77) without it.
#  - load10x.sh (655350 probes to 10 hosts) is a benchmark-style check,
#    deliberately not a ctest case: see docs/sendrecv.md, "The 10x load".
pktsh_unit_test(test_net_sndrcv pktsh_net ${CMAKE_CURRENT_LIST_DIR}/test_sndrcv.c)
if(TARGET test_net_sndrcv)
  target_link_libraries(test_net_sndrcv PRIVATE pktsh_core)
endif()

file(GLOB net_scenarios CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/scenarios/*.pk)
foreach(scen ${net_scenarios})
  get_filename_component(name ${scen} NAME_WE)
  add_test(NAME net_ns_${name}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/nstest.sh ${PKTSH_BIN} ${scen}
            ${CMAKE_CURRENT_LIST_DIR}/expected/${name}.out)
  set_tests_properties(net_ns_${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
# 65535 probes: alone, so the two cores are not shared with other tests
if(TEST net_ns_flood)
  set_tests_properties(net_ns_flood PROPERTIES RUN_SERIAL TRUE)
endif()

# The I/O layer alone (raw socket + pcap + matcher), without the packet
# engine or the interpreter: 65535 SYNs, every answer matched.
add_executable(net_io_flood ${CMAKE_CURRENT_LIST_DIR}/io_flood.c)
target_link_libraries(net_io_flood PRIVATE pktsh_net pktsh_core)
target_include_directories(net_io_flood PRIVATE ${CMAKE_SOURCE_DIR}/src)
add_test(NAME net_ns_io_flood
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/nstest.sh $<TARGET_FILE:net_io_flood>
          ${CMAKE_CURRENT_LIST_DIR}/io_flood.pk
          ${CMAKE_CURRENT_LIST_DIR}/io_flood.out)
set_tests_properties(net_ns_io_flood PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# sr()'s byte-level IPv4/TCP matching against the layers' hashret() and
# answers() (src/net/fastkey.c): the whole shell, no network.
pktsh_unit_test(test_net_fastkey pktsh_all ${CMAKE_CURRENT_LIST_DIR}/test_fastkey.c)
