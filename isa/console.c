/*
 * console.c - the T32 console: a byte-wide serial line (ISA.md section 9).
 *
 *   port  offset  in                               out
 *   0x10  0       next input byte, or 0xffffffff   write a byte
 *   0x11  1       bit 0 RXREADY, bit 1 RXEOF       (ignored)
 *   0x12  2       CON_CTRL                         CON_CTRL (bit 0 RXIE)
 *
 * Output is easy: each byte goes to a FILE, or into a growing buffer that
 * tests and the VMM can inspect.
 *
 * Input is where determinism is won or lost.  If bytes arrived "whenever the
 * user typed them", a run would depend on the typing speed.  So the console
 * never looks at the host on its own: its input queue is refilled only when
 * the guest asks for a byte it does not have (reads CON_STATUS or CON_DATA
 * with the queue empty).  Then the machine stops and waits - the guest sees
 * no time pass - until the host has at least one more byte or the input
 * ends.  Typed or piped, the same bytes give the same run.
 *
 * Waiting is the host's business, so it may choose *how* to wait: the VMM
 * asks t32_console_poll() first and, when the answer is "would block" (a
 * pipe or terminal with nothing to read yet), runs other VMs and asks
 * again later.  The guest cannot tell: its `in` has not happened yet.
 *
 * Output to a FILE can fail (a full disk, /dev/full, a closed pipe).  The
 * guest must not notice - its run cannot depend on the host - but the user
 * must: the first failure is kept in out_error for the front end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t32.h"

#define CON_OFF_DATA    (T32_PORT_CON_DATA - T32_PORT_CON_DATA)
#define CON_OFF_STATUS  (T32_PORT_CON_STATUS - T32_PORT_CON_DATA)
#define CON_OFF_CTRL    (T32_PORT_CON_CTRL - T32_PORT_CON_DATA)
#define CON_CTRL_RXIE   1u
#define REFILL_CHUNK    4096    /* bytes asked of the host at a time */
#define OUTBUF_MAX      (64u << 20)  /* a runaway guest cannot eat the host */

void t32_console_init(t32_console *c, FILE *out, int in_fd)
{
    memset(c, 0, sizeof *c);
    c->out = out;
    c->in_fd = in_fd;
    c->in_eof = in_fd < 0;      /* no host input at all: input has ended */
}

void t32_console_free(t32_console *c)
{
    free(c->outbuf);
    free(c->inbuf);
    free(c->in_ends);
    c->outbuf = NULL;
    c->inbuf = NULL;
    c->in_ends = NULL;
    c->nends = c->capends = 0;
    c->outlen = c->outcap = c->outseen = 0;
    c->inlen = c->inpos = c->incap = 0;
}

/* Make room for `more` bytes at the end of the input queue, dropping the
 * bytes already consumed (unless they are kept for replay).  False if
 * memory is short. */
static bool reserve_input(t32_console *c, size_t more)
{
    if (c->inpos > 0 && !c->in_keep) {
        memmove(c->inbuf, c->inbuf + c->inpos, c->inlen - c->inpos);
        c->inlen -= c->inpos;
        c->inpos = 0;
    }
    if (more <= c->incap - c->inlen)
        return true;
    size_t cap = c->inlen + more;
    uint8_t *p = realloc(c->inbuf, cap);
    if (!p)
        return false;
    c->inbuf = p;
    c->incap = cap;
    return true;
}

void t32_console_set_input(t32_console *c, const void *bytes, size_t len)
{
    c->inlen = c->inpos = 0;
    c->in_fd = -1;              /* the buffer is all there will ever be */
    c->in_eof = true;
    if (len > 0 && reserve_input(c, len)) {
        memcpy(c->inbuf, bytes, len);
        c->inlen = len;
    }
}

static bool queue_empty(const t32_console *c)
{
    return c->inpos >= c->inlen;
}

void t32_console_note_error(t32_console *c, int err)
{
    if (c->out_error == 0)
        c->out_error = err ? err : EIO;
}

/* Flush the output FILE so the user sees what came so far; a failure is
 * noted, never shown to the guest. */
static void flush_output(t32_console *c)
{
    if (c->out && fflush(c->out) != 0)
        t32_console_note_error(c, errno);
}

/* Replay: the host gave more than the guest has been given - a checkpoint
 * was restored.  Give the next portion exactly as the host gave it (the
 * first noted refill end past inlen), or the end of input. */
static bool replay(t32_console *c)
{
    if (!c->in_keep || (c->inlen >= c->in_known && !c->in_host_eof))
        return false;
    size_t i = 0;
    while (i < c->nends && c->in_ends[i] <= c->inlen)
        i++;
    if (i < c->nends)
        c->inlen = c->in_ends[i];
    else
        c->in_eof = true;
    return true;
}

/* Note where a refill ended, for replay. */
static void note_refill(t32_console *c)
{
    if (!c->in_keep)
        return;
    if (c->nends == c->capends) {
        size_t cap = c->capends ? 2 * c->capends : 16;
        size_t *p = realloc(c->in_ends, cap * sizeof *p);
        if (!p) {
            c->in_keep = false;    /* replay impossible: checkpoints notice */
            return;
        }
        c->in_ends = p;
        c->capends = cap;
    }
    c->in_ends[c->nends++] = c->inlen;
    c->in_known = c->inlen;
}

bool t32_console_keep_input(t32_console *c)
{
    if (c->in_keep)
        return true;
    c->in_keep = true;
    c->in_known = c->inlen;
    c->in_host_eof = c->in_eof;
    return true;
}

/* One read() of the host's input into the queue's free room (which the
 * caller reserved); what it returned, and errno. */
static ssize_t read_host(t32_console *c)
{
    ssize_t n;
    do
        n = read(c->in_fd, c->inbuf + c->inlen, REFILL_CHUNK);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Take what read_host() got: bytes for the queue, or its end - 0, or an
 * error, which counts as the end of input. */
static void took(t32_console *c, ssize_t n)
{
    if (n <= 0) {
        c->in_eof = true;
        c->in_host_eof = c->in_keep;
    } else {
        c->inlen += (size_t)n;
        note_refill(c);
    }
}

/* The queue is empty and the guest wants input: wait for the host.  A
 * blocking read() returns as soon as at least one byte is there (or at end
 * of input). */
static void refill(t32_console *c)
{
    if (replay(c))
        return;
    if (c->in_eof || c->in_fd < 0) {
        c->in_eof = true;
        return;
    }
    if (!reserve_input(c, REFILL_CHUNK)) {
        c->in_eof = true;
        return;
    }
    flush_output(c);        /* let the user see the prompt before we wait */
    c->in_waiting = 1;
    /* A Ctrl-C that came before a wait (its handler saw no wait, and
     * asked for a boundary this `in` will never reach): the second one's
     * way out, now - but only if the read would wait.  Input that is
     * there (a file, a pipe with bytes in it) is read, and the run stops
     * at its next boundary as asked.  One after this line finds
     * in_waiting set. */
    if (c->stop_asked && *c->stop_asked) {
        struct pollfd pf = { .fd = c->in_fd, .events = POLLIN };
        if (poll(&pf, 1, 0) == 0)
            raise(SIGINT);
    }
    ssize_t n = read_host(c);
    c->in_waiting = 0;
    took(c, n);
}

/* What a guest read of CON_STATUS or CON_DATA sees: refill first if the
 * queue is empty (the deterministic wait described at the top). */
static void want_input(t32_console *c)
{
    if (queue_empty(c))
        refill(c);
}

/* poll() found nothing to read: is that a fifo that no process has opened
 * for writing?  poll() does not report its end (Linux does only once a
 * writer has come and gone), yet read() returns that end at once - as the
 * blocking read of bare T32's refill does.  So ask read() itself, without
 * blocking: the end, or bytes that came just now, settle it (true); EAGAIN
 * is a writer that has not written yet (false: wait for it). */
static bool fifo_settled(t32_console *c)
{
    struct stat st;
    if (fstat(c->in_fd, &st) != 0 || !S_ISFIFO(st.st_mode) || !reserve_input(c, REFILL_CHUNK))
        return false;
    int flags = fcntl(c->in_fd, F_GETFL);
    if (flags < 0 || fcntl(c->in_fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return false;
    ssize_t n = read_host(c);
    int e = errno;
    fcntl(c->in_fd, F_SETFL, flags);
    if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK))
        return false;
    took(c, n);
    return true;
}

/* Ask the host, without waiting, whether it has input.  poll() with a zero
 * timeout says whether a read() would return at once: for a pipe, socket or
 * terminal only when bytes (or the end) are there; for a regular file or
 * /dev/null always - so files are read exactly as before.  When it says
 * yes, the ordinary refill reads them; it cannot block. */
t32_con_input t32_console_poll(t32_console *c)
{
    if (!queue_empty(c))
        return T32_CON_INPUT_READY;
    if (c->in_eof || c->in_fd < 0) {
        c->in_eof = true;
        return T32_CON_INPUT_EOF;
    }
    if (replay(c))              /* given before: no need to ask the host */
        return queue_empty(c) ? T32_CON_INPUT_EOF : T32_CON_INPUT_READY;
    struct pollfd p = { .fd = c->in_fd, .events = POLLIN };
    int n;
    do
        n = poll(&p, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0 && !fifo_settled(c)) {
        flush_output(c);    /* the guest waits: show its prompt */
        return T32_CON_INPUT_WAIT;
    }
    if (n != 0)
        refill(c);          /* readable, at its end, or broken: read() says */
    if (!queue_empty(c))
        return T32_CON_INPUT_READY;
    return T32_CON_INPUT_EOF;
}

uint32_t t32_console_in(t32_console *c, unsigned off)
{
    switch (off) {
    case CON_OFF_DATA:
        want_input(c);
        if (queue_empty(c))
            return 0xffffffffu;
        return c->inbuf[c->inpos++];
    case CON_OFF_STATUS:
        want_input(c);
        if (!queue_empty(c))
            return T32_CON_RXREADY;
        return c->in_eof ? T32_CON_RXEOF : 0;
    case CON_OFF_CTRL:
        return c->ctrl;
    default:
        return 0xffffffffu;
    }
}

/* Append one output byte to the buffer, keeping it NUL-terminated.  If
 * memory runs out, or the buffer holds OUTBUF_MAX bytes, the byte is
 * dropped: a guest's output must never take the host down. */
static void buffer_output(t32_console *c, uint8_t byte)
{
    if (c->outlen >= OUTBUF_MAX)
        return;
    if (c->outlen + 2 > c->outcap) {
        size_t cap = c->outcap ? 2 * c->outcap : 256;
        char *p = realloc(c->outbuf, cap);
        if (!p)
            return;
        c->outbuf = p;
        c->outcap = cap;
    }
    c->outbuf[c->outlen++] = (char)byte;
    c->outbuf[c->outlen] = '\0';
}

void t32_console_out(t32_console *c, unsigned off, uint32_t value)
{
    switch (off) {
    case CON_OFF_DATA:
        if (c->out_count++ < c->out_shown)
            break;              /* written again after a restore: shown already */
        c->out_shown = c->out_count;
        if (c->out) {
            if (fputc((int)(value & 0xffu), c->out) == EOF)
                t32_console_note_error(c, errno);
        } else
            buffer_output(c, (uint8_t)value);
        break;
    case CON_OFF_CTRL:
        c->ctrl = value & CON_CTRL_RXIE;   /* other bits read as zero */
        break;
    default:
        break;      /* CON_STATUS is read-only */
    }
}

bool t32_console_irq(const t32_console *c)
{
    /* Level-triggered: line 1 stays up while a byte waits and RXIE is on. */
    return (c->ctrl & CON_CTRL_RXIE) && !queue_empty(c);
}

int t32_console_sync(t32_console *c)
{
    flush_output(c);
    if (c->out && ferror(c->out))
        t32_console_note_error(c, EIO);     /* failed earlier, errno lost */
    return c->out_error;
}
