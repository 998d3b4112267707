/*
 * ptydrive.c - run a program on a pseudo-terminal and type at it, for
 * tests of what only a terminal shows: readline's prompt, tab completion,
 * history.
 *
 *   ptydrive KEYS PROGRAM [ARGS...]
 *
 * KEYS is typed, byte by byte, with C escapes: \t (tab), \n (enter), \e
 * (escape), \p (the up arrow: the previous history line), \\ (a
 * backslash).  ptydrive waits a little before each \n and \t so that the
 * program has read what came before, then prints everything the program
 * wrote to the terminal on stdout, and exits with its status.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Copy what the program wrote, waiting up to `ms` for more. */
static void drain(int fd, int ms)
{
    char buf[4096];
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (poll(&p, 1, ms) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return;
        fwrite(buf, 1, (size_t)n, stdout);
    }
}

static void type(int fd, const char *keys)
{
    for (const char *k = keys; *k; k++) {
        const char *bytes = k;
        size_t len = 1;
        if (*k == '\\' && k[1]) {
            k++;
            bytes = *k == 't' ? "\t" : *k == 'n' ? "\r" : *k == 'e' ? "\033"
                  : *k == 'p' ? "\033[A" : "\\";
            len = strlen(bytes);
        }
        if (write(fd, bytes, len) != (ssize_t)len)
            return;
        if (*bytes == '\r' || *bytes == '\t' || *bytes == '\033')
            drain(fd, 300);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ptydrive KEYS PROGRAM [ARGS...]\n");
        return 2;
    }
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) {
        perror("ptydrive: posix_openpt");
        return 2;
    }
    const char *slave_name = ptsname(master);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int slave = open(slave_name, O_RDWR);
        if (slave < 0)
            _exit(127);
        dup2(slave, 0), dup2(slave, 1), dup2(slave, 2);
        close(master);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    drain(master, 500);
    type(master, argv[1]);
    drain(master, 500);
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 100 && (done = waitpid(pid, &status, WNOHANG)) == 0; i++) {
        drain(master, 50);
        nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fprintf(stderr, "ptydrive: the program did not exit\n");
        return 3;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
