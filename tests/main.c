/* tests/main.c: runs every Check suite (fork mode, per-test timeouts). */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; gmp_test_suites[i] != NULL; i++) srunner_add_suite(sr, gmp_test_suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
