# cmake -DGEN=gen_layers_doc -DDOC=docs/layers.md -P gen_layers_doc.check.cmake
# Fails when the committed docs/layers.md differs from the field tables.
execute_process(COMMAND ${GEN} OUTPUT_VARIABLE now RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_layers_doc failed (${rc})")
endif()
file(READ ${DOC} committed)
if(NOT now STREQUAL committed)
  message(FATAL_ERROR "docs/layers.md is stale: run `cmake --build <dir> --target layers_doc`")
endif()
