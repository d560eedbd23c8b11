/* tests/test_cli.c: the gmpsim command line (sim/cli.c) on bad input.
 *
 * Every mistake exits 2 with exactly one line on stderr, and that line names the
 * problem (the option and the value, or the path). --help exits 0 and lists the
 * exit codes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

#define T_CLI GMPSIM_BINARY_DIR "/gmpsim"

typedef struct {
    int rc;     /* exit status, or 128 + signal */
    char *out;  /* stdout */
    char *err;  /* stderr */
} t_result;

static char *t_read_all(int fd) {
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        ssize_t k = read(fd, buf + n, cap - n - 1);
        if (k < 0 && errno == EINTR) continue;
        ck_assert_int_ge(k, 0);
        if (k == 0) break;
        n += (size_t)k;
    }
    buf[n] = 0;
    return buf;
}

/* Runs the CLI with argv (NULL-terminated, argv[0] ignored); output in temp files. */
static void t_cli(char *const argv[], t_result *r) {
    FILE *o = tmpfile(), *e = tmpfile();
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(e);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fileno(o), 1);
        dup2(fileno(e), 2);
        execv(T_CLI, argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) ck_assert_int_eq(errno, EINTR);
    r->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    lseek(fileno(o), 0, SEEK_SET);
    lseek(fileno(e), 0, SEEK_SET);
    r->out = t_read_all(fileno(o));
    r->err = t_read_all(fileno(e));
    fclose(o);
    fclose(e);
}

static void t_result_free(t_result *r) {
    free(r->out);
    free(r->err);
}

static int t_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Exit 2, one line on stderr containing every word in want (NULL-terminated). */
static void t_bad_input(char *const argv[], const char *const want[]) {
    t_result r;
    t_cli(argv, &r);
    char cmd[256] = "gmpsim";
    for (size_t i = 1; argv[i]; i++) {
        strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, argv[i], sizeof cmd - strlen(cmd) - 1);
    }
    ck_assert_msg(r.rc == 2, "`%s` exited %d, want 2; stderr:\n%s", cmd, r.rc, r.err);
    ck_assert_msg(t_lines(r.err) == 1, "`%s`: want exactly one line on stderr, got %d:\n%s", cmd, t_lines(r.err),
                  r.err);
    for (size_t i = 0; want[i]; i++)
        ck_assert_msg(strstr(r.err, want[i]) != NULL, "`%s`: stderr must name the problem (\"%s\"): %s", cmd,
                      want[i], r.err);
    ck_assert_msg(strstr(r.out, "outcome=") == NULL, "`%s` must not run anything: %s", cmd, r.out);
    t_result_free(&r);
}

START_TEST(test_cli_unknown_scenario) {
    char *argv[] = {"gmpsim", "run", "no_such_scenario", NULL};
    const char *want[] = {"no_such_scenario", "unknown scenario", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_procs_zero) {
    char *argv[] = {"gmpsim", "run", "args_copy", "--procs", "0", NULL};
    const char *want[] = {"--procs", "'0'", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_procs_not_a_number) {
    char *argv[] = {"gmpsim", "run", "args_copy", "--procs", "abc", NULL};
    const char *want[] = {"--procs", "abc", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_procs_too_many) {
    char *argv[] = {"gmpsim", "run", "args_copy", "-p", "257", NULL};
    const char *want[] = {"--procs", "257", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_go_2_0) {
    char *argv[] = {"gmpsim", "run", "args_copy", "--go", "2.0", NULL};
    const char *want[] = {"--go", "2.0", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_seed_negative) {
    char *argv[] = {"gmpsim", "run", "args_copy", "--seed", "-1", NULL};
    const char *want[] = {"--seed", "-1", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_unwritable_output) {
    char *argv[] = {"gmpsim", "run", "args_copy", "-o", "/nonexistent/dir/x.jsonl", NULL};
    const char *want[] = {"/nonexistent/dir/x.jsonl", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_unknown_command) {
    char *argv[] = {"gmpsim", "frobnicate", NULL};
    const char *want[] = {"frobnicate", NULL};
    t_bad_input(argv, want);
}
END_TEST

START_TEST(test_cli_missing_scenario) {
    char *argv[] = {"gmpsim", "run", NULL};
    const char *want[] = {"SCENARIO", NULL};
    t_bad_input(argv, want);
}
END_TEST

/* The exit codes documented in --help: 0, 1, 2 and 3, each with its meaning. */
START_TEST(test_cli_help_lists_exit_codes) {
    char *argv[] = {"gmpsim", "--help", NULL};
    t_result r;
    t_cli(argv, &r);
    ck_assert_msg(r.rc == 0, "gmpsim --help exited %d", r.rc);
    ck_assert_msg(strstr(r.out, "usage:") != NULL, "--help prints the usage on stdout:\n%s", r.out);
    const char *exit_part = strstr(r.out, "exit");
    ck_assert_msg(exit_part != NULL, "--help does not mention exit codes:\n%s", r.out);
    const char *codes[] = {"0 ", "1 ", "2 ", "3 "};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (const char *p = exit_part; (p = strstr(p, codes[i])) != NULL && !found; p++)
            found = p == exit_part || !(p[-1] >= '0' && p[-1] <= '9');
        ck_assert_msg(found, "--help does not list exit code %c:\n%s", codes[i][0], exit_part);
    }
    ck_assert_str_eq(r.err, "");
    t_result_free(&r);
}
END_TEST

/* A good run exits 0; a failing scenario exits 1. */
START_TEST(test_cli_exit_ok) {
    char *argv[] = {"gmpsim", "run", "args_copy", "-q", NULL};
    t_result r;
    t_cli(argv, &r);
    ck_assert_msg(r.rc == 0, "exited %d: %s", r.rc, r.err);
    ck_assert_msg(strstr(r.out, "outcome=ok") != NULL, "stdout: %s", r.out);
    t_result_free(&r);
}
END_TEST

START_TEST(test_cli_exit_limit) {
    char *argv[] = {"gmpsim", "run", "args_copy", "-q", "--max-events", "5", NULL};
    t_result r;
    t_cli(argv, &r);
    ck_assert_msg(r.rc == 1, "exited %d, want 1 (outcome limit): %s", r.rc, r.err);
    ck_assert_msg(strstr(r.out, "outcome=limit") != NULL, "stdout: %s", r.out);
    t_result_free(&r);
}
END_TEST

Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("input");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_cli_unknown_scenario);
    tcase_add_test(tc, test_cli_procs_zero);
    tcase_add_test(tc, test_cli_procs_not_a_number);
    tcase_add_test(tc, test_cli_procs_too_many);
    tcase_add_test(tc, test_cli_go_2_0);
    tcase_add_test(tc, test_cli_seed_negative);
    tcase_add_test(tc, test_cli_unwritable_output);
    tcase_add_test(tc, test_cli_unknown_command);
    tcase_add_test(tc, test_cli_missing_scenario);
    tcase_add_test(tc, test_cli_help_lists_exit_codes);
    tcase_add_test(tc, test_cli_exit_ok);
    tcase_add_test(tc, test_cli_exit_limit);
    suite_add_tcase(s, tc);
    return s;
}
