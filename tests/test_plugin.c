/* tests/test_plugin.c: a user scenario built the way docs/writing-scenarios.md
 * says: install the project to a prefix, compile tests/plugin/hello.c against it
 * with pkg-config, run it with the installed gmpsim.
 *
 * Every test installs into its own temporary prefix (cmake --install --prefix), so
 * nothing outside it is touched, and removes it afterwards.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

#define T_CLI GMPSIM_BINARY_DIR "/gmpsim"
#define T_HELLO_C GMPSIM_SOURCE_DIR "/tests/plugin/hello.c"

enum { T_DIR_MAX = 256, T_PATH_MAX = 1024, T_CMD_MAX = 4096 };

/* [SECTION] a temporary prefix */

static char t_prefix[T_DIR_MAX];

static void t_setup(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(t_prefix, sizeof t_prefix, "%s/gmpsim-plugin-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_msg(mkdtemp(t_prefix) != NULL, "mkdtemp: %s", strerror(errno));
}

static void t_teardown(void) {
    char cmd[T_DIR_MAX + 16];
    if (t_prefix[0] == 0 || strstr(t_prefix, "gmpsim-plugin-") == NULL) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_prefix);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", t_prefix);
    t_prefix[0] = 0;
}

static void t_path(char *out, const char *rel) {
    snprintf(out, T_PATH_MAX, "%s/%s", t_prefix, rel);
}

/* [SECTION] processes */

/* Runs argv (PATH lookup) with extra "K=V" environment entries (NULL-terminated, may
 * be NULL), stdout and stderr into files. Returns the exit status or 128 + signal. */
static int t_spawn(char *const argv[], const char *const env[], const char *out_path, const char *err_path) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0) _exit(126);
        dup2(out, 1);
        dup2(err, 2);
        close(out);
        close(err);
        for (size_t i = 0; env && env[i]; i++) putenv((char *)env[i]);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) ck_assert_int_eq(errno, EINTR);
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static char *t_slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Runs a shell command line; its output goes to <prefix>/<tag>.out and .err. */
static int t_sh(const char *tag, const char *cmd, char **out, char **err) {
    char o[T_PATH_MAX], e[T_PATH_MAX], name[64];
    snprintf(name, sizeof name, "%s.out", tag);
    t_path(o, name);
    snprintf(name, sizeof name, "%s.err", tag);
    t_path(e, name);
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    int rc = t_spawn(argv, NULL, o, e);
    if (out) *out = t_slurp(o);
    if (err) *err = t_slurp(e);
    return rc;
}

/* [SECTION] install and build */

static void t_libdir(char *out) {
    ck_assert_msg(GMPSIM_INSTALL_LIBDIR[0] != '/', "CMAKE_INSTALL_LIBDIR is absolute (%s): not relocatable",
                  GMPSIM_INSTALL_LIBDIR);
    t_path(out, GMPSIM_INSTALL_LIBDIR);
}

static void t_install(void) {
    char cmd[T_CMD_MAX], *err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' --install '%s' --prefix '%s'", GMPSIM_CMAKE_COMMAND, GMPSIM_BINARY_DIR,
             t_prefix);
    int rc = t_sh("install", cmd, NULL, &err);
    ck_assert_msg(rc == 0, "cmake --install exited %d: %.1000s", rc, err);
    free(err);
    char pc[T_PATH_MAX + 32], libdir[T_PATH_MAX], bin[T_PATH_MAX], hdr[T_PATH_MAX];
    t_libdir(libdir);
    snprintf(pc, sizeof pc, "%s/pkgconfig/gmpsim.pc", libdir);
    ck_assert_msg(access(pc, R_OK) == 0, "%s was not installed", pc);
    snprintf(bin, sizeof bin, "%s/%s/gmpsim", t_prefix, GMPSIM_INSTALL_BINDIR);
    ck_assert_msg(access(bin, X_OK) == 0, "%s was not installed", bin);
    snprintf(hdr, sizeof hdr, "%s/%s/gmpsim.h", t_prefix, GMPSIM_INSTALL_INCLUDEDIR);
    ck_assert_msg(access(hdr, R_OK) == 0, "%s was not installed", hdr);
}

/* Compiles hello.c into <prefix>/hello.so with the flags pkg-config gives. */
static void t_build_hello_pkgconfig(void) {
    char libdir[T_PATH_MAX], so[T_PATH_MAX], cmd[T_CMD_MAX], *err = NULL;
    t_libdir(libdir);
    t_path(so, "hello.so");
    snprintf(cmd, sizeof cmd,
             "cc -shared -fPIC '%s' $(PKG_CONFIG_PATH='%s/pkgconfig' pkg-config --cflags --libs gmpsim) -o '%s'",
             T_HELLO_C, libdir, so);
    int rc = t_sh("cc", cmd, NULL, &err);
    ck_assert_msg(rc == 0, "building hello.so with pkg-config's flags failed (%d): %.1500s", rc, err);
    free(err);
}

/* Runs the installed gmpsim with the installed library; returns the exit status. */
static int t_run_installed(const char *scenario_arg, char **out, char **err) {
    char libdir[T_PATH_MAX], bin[T_PATH_MAX], sched[T_PATH_MAX], o[T_PATH_MAX], e[T_PATH_MAX];
    char ld[T_PATH_MAX + 32];
    t_libdir(libdir);
    snprintf(bin, sizeof bin, "%s/%s/gmpsim", t_prefix, GMPSIM_INSTALL_BINDIR);
    t_path(sched, "out.jsonl");
    t_path(o, "run.out");
    t_path(e, "run.err");
    snprintf(ld, sizeof ld, "LD_LIBRARY_PATH=%s", libdir);
    const char *env[] = {ld, NULL};
    char *argv[] = {bin, "run", (char *)scenario_arg, "-o", sched, NULL};
    int rc = t_spawn(argv, env, o, e);
    *out = t_slurp(o);
    *err = t_slurp(e);
    return rc;
}

static void t_check_hello_ran(int rc, const char *out, const char *err) {
    ck_assert_msg(rc == 0, "gmpsim run hello.so exited %d\nstdout:\n%.1000s\nstderr:\n%.1000s", rc, out, err);
    ck_assert_msg(strstr(out, "hello from a plugin, go 1.22, 4 procs\n") != NULL, "stdout:\n%s", out);
    for (int i = 1; i <= 3; i++) {
        char line[64];
        snprintf(line, sizeof line, "hello from worker %d\n", i);
        ck_assert_msg(strstr(out, line) != NULL, "no \"%s\" in stdout:\n%s", line, out);
    }
    ck_assert_msg(strstr(out, "hello: all 3 workers done\n") != NULL, "stdout:\n%s", out);
    char sched[T_PATH_MAX];
    t_path(sched, "out.jsonl");
    char *f = t_slurp(sched);
    ck_assert_msg(strstr(f, "\"scenario\":\"hello\"") != NULL, "the schedule file's header names hello");
    ck_assert_msg(strstr(f, "{\"ev\":\"Footer\",\"outcome\":\"ok\"") != NULL, "the schedule ends ok");
    free(f);
}

/* [SECTION] tests */

/* The documented way, start to end. */
START_TEST(test_plugin_hello_pkgconfig) {
    t_install();
    t_build_hello_pkgconfig();
    char so[T_PATH_MAX], *out, *err;
    t_path(so, "hello.so");
    int rc = t_run_installed(so, &out, &err);
    t_check_hello_ran(rc, out, err);
    free(out);
    free(err);
}
END_TEST

/* The installed gmpsim.pc must describe the prefix it was installed to, not the
 * prefix configured at build time. */
START_TEST(test_plugin_pc_points_into_prefix) {
    t_install();
    char libdir[T_PATH_MAX], cmd[T_CMD_MAX], *out = NULL;
    t_libdir(libdir);
    snprintf(cmd, sizeof cmd, "PKG_CONFIG_PATH='%s/pkgconfig' pkg-config --cflags --libs gmpsim", libdir);
    ck_assert_int_eq(t_sh("pc", cmd, &out, NULL), 0);
    char want_i[T_PATH_MAX + 8], want_l[T_PATH_MAX + 8];
    snprintf(want_i, sizeof want_i, "-I%s/%s", t_prefix, GMPSIM_INSTALL_INCLUDEDIR);
    snprintf(want_l, sizeof want_l, "-L%s", libdir);
    ck_assert_msg(strstr(out, want_i) != NULL, "pkg-config --cflags gives '%s' for a prefix of %s: want %s",
                  strtok(out, "\n"), t_prefix, want_i);
    ck_assert_msg(strstr(out, want_l) != NULL, "pkg-config --libs gives '%s' for a prefix of %s: want %s",
                  strtok(out, "\n"), t_prefix, want_l);
    ck_assert_msg(strstr(out, "-lgmpsim") != NULL, "pkg-config --libs: %s", out);
    free(out);
}
END_TEST

/* The same plugin built with explicit flags: the loader works whatever pkg-config says. */
START_TEST(test_plugin_hello_explicit_flags) {
    t_install();
    char libdir[T_PATH_MAX], so[T_PATH_MAX], cmd[T_CMD_MAX], *err = NULL, *out = NULL;
    t_libdir(libdir);
    t_path(so, "hello.so");
    snprintf(cmd, sizeof cmd, "cc -shared -fPIC '%s' -I'%s/%s' -L'%s' -lgmpsim -o '%s'", T_HELLO_C, t_prefix,
             GMPSIM_INSTALL_INCLUDEDIR, libdir, so);
    int rc = t_sh("cc", cmd, NULL, &err);
    ck_assert_msg(rc == 0, "cc failed (%d): %.1500s", rc, err);
    free(err);
    char arg[T_PATH_MAX + 8];
    snprintf(arg, sizeof arg, "%s:hello", so); /* a .so with several scenarios: ./x.so:NAME */
    rc = t_run_installed(arg, &out, &err);
    t_check_hello_ran(rc, out, err);
    free(out);
    free(err);
}
END_TEST

static int t_count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

START_TEST(test_plugin_nonexistent_so) {
    char o[T_PATH_MAX], e[T_PATH_MAX];
    t_path(o, "no.out");
    t_path(e, "no.err");
    char *argv[] = {T_CLI, "run", "/nonexistent.so", NULL};
    int rc = t_spawn(argv, NULL, o, e);
    char *err = t_slurp(e);
    ck_assert_msg(rc == 2, "gmpsim run /nonexistent.so exited %d, want 2; stderr:\n%s", rc, err);
    ck_assert_msg(t_count_lines(err) == 1, "want exactly one line on stderr, got %d:\n%s", t_count_lines(err), err);
    ck_assert_msg(strstr(err, "/nonexistent.so") != NULL, "the message must name the file: %s", err);
    free(err);
}
END_TEST

/* A shared object that registers no scenario is refused, in one line. */
START_TEST(test_plugin_no_scenario) {
    char src[T_PATH_MAX], so[T_PATH_MAX], cmd[T_CMD_MAX], *err = NULL;
    t_path(src, "empty.c");
    t_path(so, "empty.so");
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs("int gmpsim_test_nothing(void);\nint gmpsim_test_nothing(void) { return 0; }\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cc -shared -fPIC '%s' -o '%s'", src, so);
    ck_assert_int_eq(t_sh("cc", cmd, NULL, NULL), 0);
    char o[T_PATH_MAX], e[T_PATH_MAX];
    t_path(o, "empty.out");
    t_path(e, "empty.err");
    char *argv[] = {T_CLI, "run", so, NULL};
    int rc = t_spawn(argv, NULL, o, e);
    err = t_slurp(e);
    ck_assert_msg(rc == 2, "exited %d, want 2; stderr:\n%s", rc, err);
    ck_assert_msg(t_count_lines(err) == 1, "want exactly one line on stderr, got %d:\n%s", t_count_lines(err), err);
    ck_assert_msg(strstr(err, "no scenario") != NULL, "stderr: %s", err);
    free(err);
}
END_TEST

Suite *plugin_suite(void) {
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("install");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_plugin_hello_pkgconfig);
    tcase_add_test(tc, test_plugin_pc_points_into_prefix);
    tcase_add_test(tc, test_plugin_hello_explicit_flags);
    tcase_add_test(tc, test_plugin_nonexistent_so);
    tcase_add_test(tc, test_plugin_no_scenario);
    suite_add_tcase(s, tc);
    return s;
}
