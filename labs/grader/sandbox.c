/*
 * sandbox.c - running one untrusted command (a submission's build, or a
 * graded test that runs the submission's programs) so that whatever it does,
 * the grader carries on.
 *
 * The child gets:
 *   - its own process group, so that one kill(-pgid) ends it and everything
 *     it started (a fork loop included);
 *   - rlimits: CPU seconds, address space, processes, file size, no core;
 *   - stdin from /dev/null, stdout+stderr into one pipe, no other open file;
 *   - a clean environment (the jail's), the scratch tree as its cwd;
 *   - when the grader runs as root: a user id of its own (no groups), so
 *     it cannot write the grader's files, $REF or anything else it does not
 *     own, and so that afterwards every process of that uid can be killed,
 *     even one that left the process group with setsid().
 * The parent reads the pipe against a wall-clock deadline, keeps the first
 * GRADE_OUT_KEEP bytes and the last few hundred (the reason line), and kills
 * the group on timeout or once GRADE_OUT_KILL bytes have gone by, so a test
 * printing gigabytes costs neither memory nor disk.
 */
#define _DEFAULT_SOURCE             /* setgroups, RLIMIT_NPROC (Linux, BSD) */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade.h"

extern char **environ;

volatile sig_atomic_t grade_stop;

static void on_stop(int sig)
{
    grade_stop = sig;
}

/* Ctrl-C (or a SIGTERM, a SIGHUP) must not leave a submission running: its
 * commands are in process groups of their own, which the terminal's SIGINT
 * does not reach - a fork loop would go on for ever after the grader is
 * gone.  The handler only notes the signal; the loops that wait for a
 * command see it (poll and waitpid return early: no SA_RESTART), kill the
 * command's group and uid, and the grader winds down.  A signal ignored
 * from the start stays ignored (nohup t32grade ... keeps grading). */
void sandbox_catch_stop(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
}

double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many processes for which counts(pid, ctx) says yes there are now
 * (Linux: /proc; elsewhere 0). */
static long count_processes(bool (*counts)(const char *pid, void *ctx), void *ctx)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && counts(e->d_name, ctx))
            n++;
    closedir(d);
    return n;
}

static bool owned_by(const char *pid, void *ctx)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%s", pid);
    return stat(path, &st) == 0 && st.st_uid == *(const uid_t *)ctx;
}

static bool in_group(const char *pid, void *ctx)
{
    char path[300], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(line, 1, sizeof line - 1, f) : 0;
    if (f)
        fclose(f);
    line[len] = '\0';
    /* "pid (name) state ppid pgrp ...": the name may hold anything */
    char *p = strrchr(line, ')');
    int pgrp;
    return p && sscanf(p + 1, " %*c %*d %d", &pgrp) == 1 && pgrp == *(const pid_t *)ctx;
}

/* How many processes uid has now.  RLIMIT_NPROC counts all of a user's
 * processes, so a non-root grader allows this many plus the limit. */
static long count_procs(uid_t uid)
{
    return count_processes(owned_by, &uid);
}

/* How many processes are in the process group pgid now: at a timeout, a
 * group as large as its process limit is a fork loop, which the report
 * can name. */
static long count_group(pid_t pgid)
{
    return count_processes(in_group, &pgid);
}

static void set_limit(int what, rlim_t v)
{
    struct rlimit r = { v, v };
    setrlimit(what, &r);
}

/* In the child, between fork and exec: never returns. */
static void child(const struct jail *j, const struct limits *l, char *const argv[], int out)
{
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(126);
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536)
        maxfd = 65536;
    for (int fd = 3; fd < maxfd; fd++)
        close(fd);
    /* The process count first: it is counted for the uid we become. */
    long nproc = l->nproc + (j->drop ? 0 : count_procs(getuid()));
    if (j->drop) {
        if (setgroups(0, NULL) < 0 || setgid(j->gid) < 0 || setuid(j->uid) < 0) {
            fprintf(stderr, "t32grade: cannot switch to uid %ld: %s\n", (long)j->uid,
                    strerror(errno));
            _exit(126);
        }
    }
    set_limit(RLIMIT_CPU, (rlim_t)l->cpu);
    set_limit(RLIMIT_AS, (rlim_t)l->as);
    set_limit(RLIMIT_FSIZE, (rlim_t)l->fsize);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_NPROC, (rlim_t)nproc);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    if (chdir(j->cwd) < 0) {
        fprintf(stderr, "t32grade: %s: %s\n", j->cwd, strerror(errno));
        _exit(126);
    }
    environ = (char **)j->env;
    execvp(argv[0], argv);
    fprintf(stderr, "t32grade: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Keep what the child printed: the head (up to GRADE_OUT_KEEP bytes) and a
 * sliding tail (the last sizeof o->tail - 1 bytes). */
static void keep(struct outcome *o, const char *buf, size_t n)
{
    size_t room = GRADE_OUT_KEEP - o->nout;
    size_t take = n < room ? n : room;
    memcpy(o->out + o->nout, buf, take);
    o->nout += take;
    o->total += n;
    size_t cap = sizeof o->tail - 1, have = strlen(o->tail);
    if (n >= cap) {
        memcpy(o->tail, buf + n - cap, cap);
        o->tail[cap] = '\0';
        return;
    }
    if (have + n > cap) {
        memmove(o->tail, o->tail + (have + n - cap), cap - n);
        have = cap - n;
    }
    memcpy(o->tail + have, buf, n);
    o->tail[have + n] = '\0';
}

/* Kill the whole process group, again until nothing is left of it. */
static void kill_group(pid_t pgid)
{
    for (int i = 0; i < 100 && kill(-pgid, SIGKILL) == 0; i++) {
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
}

/* Claim a sandbox uid for this grader: the first of [first, first + 1000)
 * that belongs to no account, that no other grader holds - each is locked
 * by an flock on a file named after it, held until this process and its
 * children have all exited - and that runs no process now.  Two graders on
 * one machine (two labs graded at once) would otherwise share a uid, and
 * each would kill the other's sandboxes at the end of every test
 * (sandbox_killuid).  0 on success, with *got; -1 if none is free. */
int sandbox_claim_uid(uid_t first, uid_t *got)
{
    const char *dir = access("/run/lock", W_OK) == 0 ? "/run/lock" : "/tmp";
    for (uid_t u = first; u < first + 1000; u++) {
        /* A uid with an account (daemon, nobody, a person) is never taken:
         * its files would be handed to the sandbox, and every process of it
         * killed after each test. */
        if (getpwuid(u))
            continue;
        char path[64];
        snprintf(path, sizeof path, "%s/t32grade-uid-%ld.lock", dir, (long)u);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && count_procs(u) == 0) {
            *got = u;            /* fd stays open: the lock lasts as long as we do */
            return 0;
        }
        close(fd);
    }
    return -1;
}

/* Kill every process of uid (a forked helper becomes uid; kill(-1) then
 * reaches exactly that user's processes), again until none is left: killed
 * orphans stay zombies until init reaps them, and they still count against
 * the uid's RLIMIT_NPROC in the next test.  Only for the grader's own
 * sandbox uids, never a real user's. */
void sandbox_killuid(uid_t uid)
{
    for (int round = 0; round < 500; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            if (setuid(uid) == 0)
                kill(-1, SIGKILL);
            _exit(0);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
        if (count_procs(uid) == 0)
            return;
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
}

/* Read the pipe until EOF, the deadline or the flood limit. */
static void collect(int fd, pid_t pid, double deadline, struct outcome *o, int *reaped)
{
    char buf[65536];
    for (;;) {
        double left = deadline - now_secs();
        if (grade_stop)
            return;
        if (left <= 0) {
            o->timed_out = !*reaped;
            return;
        }
        struct pollfd p = { fd, POLLIN, 0 };
        int ms = left > 0.2 ? 200 : (int)(left * 1000) + 1;
        int r = poll(&p, 1, ms);
        if (r > 0) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n == 0)
                return;
            if (n > 0) {
                /* The output is kept as a C string: a NUL byte in it (a
                 * guest's console can print one) would end it there, and
                 * hide the last line, the reason.  It becomes '?'. */
                for (ssize_t i = 0; i < n; i++)
                    if (buf[i] == '\0')
                        buf[i] = '?';
                keep(o, buf, (size_t)n);
                if (o->total > GRADE_OUT_KILL) {
                    o->flooded = 1;
                    return;
                }
            }
        } else if (r == 0 && !*reaped && waitpid(pid, &o->status, WNOHANG) == pid) {
            /* The command ended but something it started holds the pipe:
             * end that too, then read what is left. */
            *reaped = 1;
            kill_group(pid);
            if (deadline > now_secs() + 1)
                deadline = now_secs() + 1;
        }
    }
}

/* Run argv in the jail with the limits; fill o.  Returns -1 if the child
 * could not be started at all. */
int sandbox_run(const struct jail *j, const struct limits *l, char *const argv[],
                struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->out = malloc(GRADE_OUT_KEEP + 1);
    int fds[2];
    if (!o->out || pipe(fds) < 0)
        return -1;
    double start = now_secs();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(j, l, argv, fds[1]);
    }
    setpgid(pid, pid);              /* also here: no race with the child's */
    close(fds[1]);
    double deadline = start + l->timeout;
    int reaped = 0;
    collect(fds[0], pid, deadline, o, &reaped);
    if (o->timed_out)
        o->procs = count_group(pid);
    /* EOF: the command closed its output; wait for it, still on the clock. */
    while (!reaped && !o->timed_out && !o->flooded && !grade_stop) {
        if (waitpid(pid, &o->status, WNOHANG) == pid)
            reaped = 1;
        else if (now_secs() >= deadline)
            o->timed_out = 1;
        else {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    kill_group(pid);                /* whatever is left of the group */
    if (!reaped)
        waitpid(pid, &o->status, 0);
    close(fds[0]);
    if (j->drop)
        sandbox_killuid(j->uid);
    o->secs = now_secs() - start;
    o->out[o->nout] = '\0';
    return 0;
}

void sandbox_free(struct outcome *o)
{
    free(o->out);
    o->out = NULL;
}

/* One line saying how the child ended, if the grader has something to say
 * ("" when it simply exited with a status: its own last line says why). */
void sandbox_describe(const struct outcome *o, const struct limits *l, char *buf, size_t n)
{
    buf[0] = '\0';
    if (o->timed_out && o->procs >= l->nproc)
        snprintf(buf, n, "t32grade: timed out after %d s (killed; it ran %ld processes, its "
                 "limit: a fork loop?)", l->timeout, o->procs);
    else if (o->timed_out)
        snprintf(buf, n, "t32grade: timed out after %d s (killed; an endless loop?)", l->timeout);
    else if (o->flooded)
        snprintf(buf, n, "t32grade: printed more than %d MiB (killed)", GRADE_OUT_KILL >> 20);
    else if (WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGXCPU)
        snprintf(buf, n, "t32grade: used more than %ld s of CPU (killed)", l->cpu);
    else if (WIFSIGNALED(o->status))
        snprintf(buf, n, "t32grade: killed by signal %d (%s)", WTERMSIG(o->status),
                 strsignal(WTERMSIG(o->status)));
}
