# Out of memory at every allocation point of a few programs (language,
# build, dissect, show, implicit sets): MemoryError or success, never a
# crash, and the VM lives on. Leaks show in the ASan build.
pktsh_unit_test(test_oom pktsh_all ${CMAKE_CURRENT_LIST_DIR}/test_oom.c)
