/* Every allocator choice, one line each: the registry (harness/common/allocator.c) expands this
 * list into enum hw_allocator_kind (HW_ALLOC_<ID>) and the table. The order is the kind's
 * value and the order names are listed in. Adding an allocator touches this line and its own
 * file, nothing else. */
HW_ALLOCATOR(glibc, GLIBC)
HW_ALLOCATOR(jemalloc, JEMALLOC)
HW_ALLOCATOR(mixed, MIXED)
HW_ALLOCATOR(mimalloc, MIMALLOC)
