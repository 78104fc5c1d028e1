# Failure of the network under a running statement (issue #7): each
# tests/failure/<name>.sh makes its own network namespaces (lib.sh), runs
# pktsh, breaks something in the middle of an sr(), sniff() or wrpcap()
# (an interface down or deleted, a route removed, a capture buffer
# overflowing, a full file system) and checks the exact outcome: an
# error or a partial result with a warning, never a hang or a crash, and
# the session going on afterwards. They need root and are skipped (exit
# 77) without it.
file(GLOB failure_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.sh)
list(FILTER failure_tests EXCLUDE REGEX "/lib(_[a-z]+)?\\.sh$")
foreach(t ${failure_tests})
  get_filename_component(name ${t} NAME_WE)
  add_test(NAME failure_${name} COMMAND sh ${t} ${PKTSH_BIN})
  set_tests_properties(failure_${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
