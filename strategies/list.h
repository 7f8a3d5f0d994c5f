/* Every strategy, one line each: the registry (harness/common/strategy.c) expands this list.
 * Adding a strategy touches this line and its own file, nothing else. */
HW_STRATEGY(whole_copy)
HW_STRATEGY(fused_single_pass)
HW_STRATEGY(chunked_vstack)
HW_STRATEGY(chunks_preallocated)
HW_STRATEGY(rechunk)
HW_STRATEGY(memmap)
HW_STRATEGY(select_chain)
HW_STRATEGY(select_chain_rebind)
HW_STRATEGY(fused_expr)
HW_STRATEGY(column_release)
HW_STRATEGY(streaming)
HW_STRATEGY(pandas_clean_chain)
