/*
 * test_outfile.c - isa/outfile.c: output files are replaced only on
 * commit, devices and fifos are written in place and never removed, a
 * directory is refused, and every write error is reported; /dev/fd/N is
 * the open descriptor; a file named twice is found however it is spelled;
 * a signal leaves no temporary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"

/* Each test works in its own fresh temporary directory. */
static int make_dir(void **state)
{
    char *dir = strdup("/tmp/t32out-test.XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc;
}

static char *in(void **state, const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", (char *)*state, name);
    return path;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The whole file as a string ("" if it cannot be read). */
static const char *get(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static int entries(void **state)
{
    DIR *d = opendir((char *)*state);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void new_file_appears_only_on_commit(void **state)
{
    char path[256], err[256];
    strcpy(path, in(state, "new.txt"));
    t32_out o;
    assert_true(t32_out_open(&o, path, err, sizeof err));
    assert_int_equal(o.kind, T32_OUT_REPLACE);
    fputs("hello\n", o.f);
    assert_int_equal(access(path, F_OK), -1);       /* not yet */
    assert_true(t32_out_commit(&o, err, sizeof err));
    assert_string_equal(get(path), "hello\n");
    assert_int_equal(entries(state), 1);            /* no temporary left */
    assert_null(o.f);
}

static void abort_keeps_the_old_file(void **state)
{
    char path[256], err[256];
    strcpy(path, in(state, "old.txt"));
    put(path, "old\n");
    t32_out o;
    assert_true(t32_out_open(&o, path, err, sizeof err));
    fputs("partial", o.f);
    fflush(o.f);
    assert_string_equal(get(path), "old\n");
    t32_out_abort(&o);
    assert_string_equal(get(path), "old\n");
    assert_int_equal(entries(state), 1);
    t32_out_abort(&o);                              /* harmless twice */
}

static void commit_replaces_and_keeps_the_mode(void **state)
{
    char path[256], err[256];
    strcpy(path, in(state, "f.txt"));
    put(path, "old contents, longer than the new\n");
    assert_int_equal(chmod(path, 0640), 0);
    assert_true(t32_out_write_file(path, "new\n", 4, err, sizeof err));
    assert_string_equal(get(path), "new\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(entries(state), 1);
}

static void a_new_file_gets_the_umask(void **state)
{
    char err[256];
    mode_t old = umask(027);
    assert_true(t32_out_write_file(in(state, "m"), "x", 1, err, sizeof err));
    umask(old);
    struct stat st;
    assert_int_equal(stat(in(state, "m"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

static void a_directory_is_an_error_and_survives(void **state)
{
    char path[256], err[256] = "";
    strcpy(path, in(state, "sub"));
    assert_int_equal(mkdir(path, 0755), 0);
    t32_out o;
    assert_false(t32_out_open(&o, path, err, sizeof err));
    assert_null(o.f);
    assert_string_equal(err, "is a directory");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(entries(state), 1);
}

/* A fifo is written in place, and neither commit nor abort removes it. */
static void a_fifo_is_written_directly(void **state)
{
    char path[256], err[256];
    strcpy(path, in(state, "fifo"));
    assert_int_equal(mkfifo(path, 0600), 0);
    int rd = open(path, O_RDONLY | O_NONBLOCK);     /* a reader, so opening does not block */
    assert_true(rd >= 0);
    t32_out o;
    assert_true(t32_out_open(&o, path, err, sizeof err));
    assert_int_equal(o.kind, T32_OUT_DIRECT);
    fputs("through", o.f);
    assert_true(t32_out_commit(&o, err, sizeof err));
    char buf[16] = "";
    assert_int_equal(read(rd, buf, sizeof buf - 1), 7);
    assert_string_equal(buf, "through");
    assert_true(t32_out_open(&o, path, err, sizeof err));
    t32_out_abort(&o);
    close(rd);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(entries(state), 1);
}

static void dev_full_reports_the_error(void **state)
{
    (void)state;
    char err[256] = "";
    if (access("/dev/full", W_OK) != 0)
        skip();
    t32_out o;
    assert_true(t32_out_open(&o, "/dev/full", err, sizeof err));
    assert_int_equal(o.kind, T32_OUT_DIRECT);
    fputs("lost", o.f);
    assert_false(t32_out_commit(&o, err, sizeof err));
    assert_non_null(strstr(err, "write failed"));
    assert_false(t32_out_write_file("/dev/full", "x", 1, err, sizeof err));
    struct stat st;
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void dash_is_stdout(void **state)
{
    (void)state;
    char err[256];
    t32_out o;
    assert_true(t32_out_open(&o, "-", err, sizeof err));
    assert_ptr_equal(o.f, stdout);
    assert_true(t32_out_commit(&o, err, sizeof err));
    assert_int_equal(fputs("", stdout) >= 0, 1);    /* stdout stays open */
}

static void a_symlink_is_followed(void **state)
{
    char link[256], target[256], err[256];
    strcpy(target, in(state, "real"));
    strcpy(link, in(state, "link"));
    put(target, "old");
    assert_int_equal(symlink("real", link), 0);
    assert_true(t32_out_write_file(link, "new", 3, err, sizeof err));
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(get(target), "new");
    assert_int_equal(entries(state), 2);
    assert_int_equal(symlink("missing", in(state, "dangling")), 0);
    assert_false(t32_out_write_file(in(state, "dangling"), "x", 1, err, sizeof err));
}

static void a_missing_folder_is_an_error(void **state)
{
    char err[256] = "";
    assert_false(t32_out_write_file(in(state, "no/such/file"), "x", 1, err, sizeof err));
    assert_non_null(strstr(err, "cannot"));
    assert_int_equal(entries(state), 0);
}

/* /dev/fd/N and /proc/self/fd/N are the descriptor already open, written
 * where it stands (here: appending), never a file to replace. */
static void a_descriptor_name_is_written_in_place(void **state)
{
    char path[256], name[64], err[256];
    strcpy(path, in(state, "log"));
    put(path, "prev\n");
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    snprintf(name, sizeof name, "/dev/fd/%d", fd);
    t32_out o;
    assert_true(t32_out_open(&o, name, err, sizeof err));
    assert_int_equal(o.kind, T32_OUT_DIRECT);
    fputs("one\n", o.f);
    assert_true(t32_out_commit(&o, err, sizeof err));
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    if (access("/proc/self/fd", F_OK) == 0)
        assert_true(t32_out_write_file(name, "two\n", 4, err, sizeof err));
    else
        assert_true(write(fd, "two\n", 4) == 4);
    assert_true(write(fd, "three\n", 6) == 6);       /* the descriptor is still open */
    close(fd);
    assert_string_equal(get(path), "prev\none\ntwo\nthree\n");
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);   /* never replaced */
    assert_int_equal(entries(state), 1);
    assert_false(t32_out_write_file(name, "x", 1, err, sizeof err));   /* closed now */
}

static void one_file_however_spelled(void **state)
{
    char a[256], b[256], c[256];
    assert_int_equal(mkdir(in(state, "sub"), 0755), 0);
    strcpy(a, in(state, "new.txt"));
    strcpy(b, in(state, "./sub/../new.txt"));
    strcpy(c, in(state, "sub/new.txt"));
    assert_true(t32_out_same_file(a, b));     /* not made yet */
    assert_false(t32_out_same_file(a, c));
    put(a, "x");
    assert_true(t32_out_same_file(a, b));     /* made */
    assert_false(t32_out_same_file(a, c));    /* one is, one is not */
    assert_int_equal(link(a, in(state, "hard")), 0);
    assert_true(t32_out_same_file(a, in(state, "hard")));
}

static void a_clash_needs_a_write_to_a_file(void **state)
{
    char a[256], b[256], err[256] = "";
    strcpy(a, in(state, "f"));
    strcpy(b, in(state, "./f"));
    t32_file_use u[] = {
        { a, "the source", false },
        { "/dev/null", "the image", true },
        { "/dev/null", "the map", true },
        { "-", "the listing", true },
        { "-", "the trace", true },
        { NULL, "nothing", true },
        { b, "the output", true },
    };
    int first = -1;
    assert_int_equal(t32_out_find_clash(u, 6, &first), -1);    /* all but the last */
    assert_int_equal(t32_out_find_clash(u, 7, &first), 6);
    assert_int_equal(first, 0);
    assert_false(t32_out_check_uses(u, 7, err, sizeof err));
    char want[600];
    snprintf(want, sizeof want, "'%s' is both the source and the output: it would be "
             "overwritten", b);
    assert_string_equal(err, want);
    u[6].writes = false;                       /* read twice: harmless */
    assert_true(t32_out_check_uses(u, 7, err, sizeof err));
}

/* A descriptor name (or "-", descriptor 1) is the file open on it: written
 * over an input, it overwrites what is still to be read. */
static void a_descriptor_over_an_input_clashes(void **state)
{
    char a[256], dname[64], err[256] = "";
    strcpy(a, in(state, "src"));
    put(a, "source\n");
    int fd = open(a, O_RDWR);
    assert_true(fd >= 0);
    snprintf(dname, sizeof dname, "/dev/fd/%d", fd);
    t32_file_use u[] = {
        { a, "the source", false },
        { dname, "the listing", true },
        { dname, "the map", true },
    };
    int first = -1;
    assert_int_equal(t32_out_find_clash(u, 3, &first), 1);
    assert_int_equal(first, 0);
    assert_false(t32_out_check_uses(u, 3, err, sizeof err));
    assert_int_equal(t32_out_find_clash(u + 1, 2, &first), -1);   /* two in place: fine */
    close(fd);
}

/* Killed by a signal between open and commit, a process that called
 * t32_out_cleanup_on_signals leaves no temporary and still dies of it. */
static void a_signal_removes_the_temporaries(void **state)
{
    char err[256];
    for (int i = 0; i < 2; i++) {
        int sig = i ? SIGINT : SIGTERM;
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(sig, SIG_DFL);
            t32_out_cleanup_on_signals();
            t32_out a, b;
            if (!t32_out_open(&a, in(state, "a"), err, sizeof err) ||
                !t32_out_open(&b, in(state, "b"), err, sizeof err))
                _exit(3);
            raise(sig);
            _exit(4);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sig);
        assert_int_equal(entries(state), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, make_dir, remove_dir)
        T(new_file_appears_only_on_commit),
        T(abort_keeps_the_old_file),
        T(commit_replaces_and_keeps_the_mode),
        T(a_new_file_gets_the_umask),
        T(a_directory_is_an_error_and_survives),
        T(a_fifo_is_written_directly),
        T(dev_full_reports_the_error),
        T(dash_is_stdout),
        T(a_symlink_is_followed),
        T(a_missing_folder_is_an_error),
        T(a_descriptor_name_is_written_in_place),
        T(one_file_however_spelled),
        T(a_clash_needs_a_write_to_a_file),
        T(a_descriptor_over_an_input_clashes),
        T(a_signal_removes_the_temporaries),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
