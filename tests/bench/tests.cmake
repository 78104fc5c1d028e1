# Benchmarks (engineer "bench"): every workload of bench/ once at N=50,
# through the same scripts `make bench` runs, so they do not rot. Nothing
# is timed: the test checks that each workload runs and prints its row.
# sr and sendp run in namespaces of their own when root (their rows say
# "skipped: not root" otherwise).
add_test(NAME bench_quick
  COMMAND ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_quick.py
          ${CMAKE_SOURCE_DIR}/bench/run.sh $<TARGET_FILE_DIR:pktsh>)
set_tests_properties(bench_quick PROPERTIES TIMEOUT 300)
