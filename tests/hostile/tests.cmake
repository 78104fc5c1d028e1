# Hostile input through the real binary: malformed programs with their
# exact errors, wrong values, truncated and lying packets, resource
# limits, corrupt capture files; then valgrind over a set of programs.
set(hostile_dir ${CMAKE_CURRENT_LIST_DIR})
foreach(suite syntax runtime packets limits)
  add_test(NAME hostile_${suite}
    COMMAND ${PYTHON3} ${hostile_dir}/run_hostile.py ${PKTSH_BIN}
            ${hostile_dir}/${suite}.cases)
endforeach()
add_test(NAME hostile_pcaps
  COMMAND ${PYTHON3} ${hostile_dir}/test_pcaps.py ${PKTSH_BIN})

# valgrind cannot run an ASan binary: only in plain builds.
find_program(VALGRIND valgrind)
if(VALGRIND AND NOT PKTSH_SANITIZE AND NOT PKTSH_FUZZ)
  add_test(NAME hostile_valgrind
    COMMAND sh ${hostile_dir}/valgrind.sh ${PKTSH_BIN})
endif()
