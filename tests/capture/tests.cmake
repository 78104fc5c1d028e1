# Capture files, packet lists and sniffing (engineer "capture").

# The record level links the core alone (no interpreter, no packets), so
# it runs while the rest of the tree is half built.
pktsh_unit_test(test_pcapfile pktsh_core
  ${CMAKE_CURRENT_LIST_DIR}/test_pcapfile.c
  ${CMAKE_SOURCE_DIR}/src/capture/pcapfile.c)
if(TARGET test_pcapfile)
  target_link_libraries(test_pcapfile PRIVATE PkgConfig::PCAP)
endif()

# The real binary against files, tshark and network namespaces.
# Exit status 77 = skipped (no tshark, not root).
foreach(group lists files tshark netns)
  add_test(NAME capture_${group}
    COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/run_capture.py
            --bin ${PKTSH_BIN} ${group})
  set_tests_properties(capture_${group} PROPERTIES SKIP_RETURN_CODE 77
    TIMEOUT 180)
endforeach()
set_tests_properties(capture_netns PROPERTIES RUN_SERIAL TRUE)
