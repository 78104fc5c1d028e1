# Corpus replay: each fuzz harness (fuzz/fuzz_*.c) linked with
# fuzz/replay.c's main() runs every file of fuzz/corpus/<harness>/ as an
# ordinary ctest case, so the gcc and ASan/UBSan builds check what the
# fuzzers found without clang. With PKTSH_FUZZ=ON fuzz/CMakeLists.txt
# builds the libFuzzer versions instead.
if(NOT PKTSH_FUZZ)
  find_package(Threads REQUIRED)
  set(fuzzdir ${CMAKE_SOURCE_DIR}/fuzz)
  foreach(h lang dissect roundtrip pcap rdpcap)
    set(lib pktsh_packet)
    set(extra)
    if(h STREQUAL "pcap" OR h STREQUAL "rdpcap")
      set(lib pktsh_capture)
    endif()
    if(h STREQUAL "lang")
      set(extra ${fuzzdir}/smallmem.c)
    endif()
    add_executable(replay_${h} ${fuzzdir}/fuzz_${h}.c ${fuzzdir}/common.c
      ${fuzzdir}/replay.c ${extra})
    target_include_directories(replay_${h} PRIVATE ${fuzzdir})
    target_link_libraries(replay_${h} PRIVATE ${lib} Threads::Threads)
    if(h STREQUAL "lang")
      target_link_options(replay_${h} PRIVATE
        -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc)
    endif()
    add_test(NAME fuzz_replay_${h} COMMAND replay_${h} ${fuzzdir}/corpus/${h})
  endforeach()
endif()
