# Language unit tests (cmocka): one executable per module of src/lang.
pktsh_unit_test(test_lexer pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_lexer.c)
pktsh_unit_test(test_parser pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_parser.c)
pktsh_unit_test(test_eval pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_eval.c)
pktsh_unit_test(test_value pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_value.c)
pktsh_unit_test(test_with pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_with.c)
pktsh_unit_test(test_hooks pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_hooks.c)
pktsh_unit_test(test_gc pktsh_lang ${CMAKE_CURRENT_LIST_DIR}/test_gc.c)
