// libFuzzer's entry for programs that keep their own main
// (compiler-rt's libclang_rt.fuzzer_no_main, linked by scripts/fuzz).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*test_one_input)(const uint8_t *data, size_t size));
