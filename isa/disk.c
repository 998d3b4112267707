/*
 * disk.c - the T32 disk: a block device with DMA (ISA.md section 9).
 *
 *   port  offset  register     in                 out
 *   0x20  0       SECTOR       first sector       set
 *   0x21  1       ADDR         DMA address        set
 *   0x22  2       COUNT        sectors            set
 *   0x23  3       CMD          -                  1 read, 2 write: start
 *   0x24  4       STATUS       0 idle, 1 busy,    acknowledge DONE/ERROR
 *                              2 done, 3 error
 *   0x25  5       CTRL         bit 0 IRQ enable   set
 *   0x26  6       SIZE         capacity, sectors  (ignored)
 *
 * A transfer is a little state machine:
 *
 *        out CMD                 done_at reached              out STATUS
 *   IDLE --------> BUSY -------------------------------> DONE  ---------> IDLE
 *                       (sectors copied by DMA, or ...)   ERROR ---------> IDLE
 *
 * The guest programs SECTOR, ADDR and COUNT, then writes CMD.  The disk is
 * BUSY for exactly 200 + 50 x COUNT cycles of device time, then the data
 * moves in one go (DMA: the CPU is not involved) and the status becomes
 * DONE.  If the request was impossible - zero sectors, sectors past the end
 * of the disk, or a memory range outside RAM - it becomes ERROR instead and
 * nothing is touched.  While the status is DONE or ERROR and CTRL bit 0 is
 * set, the disk asserts interrupt line 2; writing STATUS acknowledges.
 *
 * Every register here is programmed by guest code, which may be hostile:
 * all range checks are done in 64-bit arithmetic so no sum can wrap.
 *
 * The whole disk lives in memory; writes also go through to the image file
 * so that nothing is lost when the machine stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "t32.h"

#define OFF_SECTOR  (T32_PORT_DISK_SECTOR - T32_PORT_DISK_SECTOR)
#define OFF_ADDR    (T32_PORT_DISK_ADDR   - T32_PORT_DISK_SECTOR)
#define OFF_COUNT   (T32_PORT_DISK_COUNT  - T32_PORT_DISK_SECTOR)
#define OFF_CMD     (T32_PORT_DISK_CMD    - T32_PORT_DISK_SECTOR)
#define OFF_STATUS  (T32_PORT_DISK_STATUS - T32_PORT_DISK_SECTOR)
#define OFF_CTRL    (T32_PORT_DISK_CTRL   - T32_PORT_DISK_SECTOR)
#define OFF_SIZE    (T32_PORT_DISK_SIZE   - T32_PORT_DISK_SECTOR)

#define DISK_CTRL_IRQ     1u
#define LATENCY_BASE      200u   /* cycles per command ...   */
#define LATENCY_PER_SECT  50u    /* ... plus cycles per sector */
#define MAX_DISK_BYTES    (64u << 20)   /* largest image we accept */

/* ---- attaching an image ---------------------------------------------------- */

static void disk_reset(t32_disk *d)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    d->status = T32_DISK_IDLE;
}

void t32_disk_init_mem(t32_disk *d, const void *bytes, size_t len)
{
    disk_reset(d);
    if (len == 0 || len > MAX_DISK_BYTES)
        return;
    /* Round up to whole sectors; the tail of the last one reads as zeros. */
    size_t nsectors = (len + T32_SECTOR_SIZE - 1) / T32_SECTOR_SIZE;
    d->data = calloc(nsectors, T32_SECTOR_SIZE);
    if (!d->data)
        return;
    if (bytes)
        memcpy(d->data, bytes, len);
    d->nsectors = (uint32_t)nsectors;
}

/* Read exactly `len` bytes from the start of fd.  False on error or EOF. */
static bool read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

/* Check the image file's size; a message for the user if it is unusable. */
static const char *check_image(int fd, size_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return "cannot stat disk image";
    if (S_ISDIR(st.st_mode))
        return "disk image is a directory";
    if (!S_ISREG(st.st_mode))
        return "disk image is not a regular file";
    if (st.st_size == 0)
        return "disk image is empty";
    if (st.st_size % T32_SECTOR_SIZE != 0)
        return "disk image size is not a multiple of 512 bytes";
    if (st.st_size > (off_t)MAX_DISK_BYTES)
        return "disk image is larger than 67108864 bytes (64 MiB)";
    *size = (size_t)st.st_size;
    return NULL;
}

/* Only a regular file can be a disk: its size is known before anything is
 * read, and checked against the 64 MiB limit.  A fifo or a device would
 * have to be read blindly (/dev/zero never ends), so it is refused from
 * fstat alone.  O_NONBLOCK keeps open() itself from waiting on such a file
 * (a fifo without a writer, a serial line); for a regular file it changes
 * nothing. */
static bool disk_load(t32_disk *d, const char *path, bool write_through, const char **err)
{
    disk_reset(d);
    int fd = open(path, (write_through ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        /* The reason matters most when the file is there: a read-only
         * image (chmod a-w, another user's file) is the usual case. */
        bool denied = errno == EACCES || errno == EPERM, rofs = errno == EROFS;
        *err = errno == ENOENT || errno == ENOTDIR ? "disk image not found"
               : errno == EISDIR ? "disk image is a directory"
               : write_through && denied
                   ? "cannot open disk image for reading and writing: Permission denied"
               : write_through && rofs
                   ? "cannot open disk image for reading and writing: Read-only file system"
               : write_through ? "cannot open disk image for reading and writing"
               : denied ? "cannot open disk image for reading: Permission denied"
                        : "cannot open disk image for reading";
        return false;
    }
    /* Root opens any file for writing; a write-protected one is refused
     * to root too, as every output is (outfile.h). */
    struct stat st;
    if (write_through && fstat(fd, &st) == 0 && t32_out_write_protected(&st)) {
        close(fd);
        *err = "cannot open disk image for reading and writing: Permission denied";
        return false;
    }
    size_t size = 0;
    const char *msg = check_image(fd, &size);
    uint8_t *data = NULL;
    if (!msg && !(data = malloc(size)))
        msg = "out of memory for the disk image";
    if (!msg && !read_all(fd, data, size))
        msg = "cannot read disk image";
    if (msg) {
        free(data);
        close(fd);
        *err = msg;
        return false;
    }
    d->data = data;
    d->nsectors = (uint32_t)(size / T32_SECTOR_SIZE);
    if (write_through) {
        d->fd = fd;
    } else {
        close(fd);
        d->fd = -1;                  /* in memory only */
    }
    return true;
}

bool t32_disk_open(t32_disk *d, const char *path, const char **err)
{
    return disk_load(d, path, true, err);
}

bool t32_disk_open_copy(t32_disk *d, const char *path, const char **err)
{
    return disk_load(d, path, false, err);
}

void t32_disk_free(t32_disk *d)
{
    if (d->fd >= 0)
        close(d->fd);
    free(d->data);
    disk_reset(d);
}

/* ---- registers ------------------------------------------------------------------ */

uint32_t t32_disk_in(t32_disk *d, unsigned off)
{
    switch (off) {
    case OFF_SECTOR: return d->sector;
    case OFF_ADDR:   return d->addr;
    case OFF_COUNT:  return d->count;
    case OFF_STATUS: return d->status;
    case OFF_CTRL:   return d->ctrl;
    case OFF_SIZE:   return d->nsectors;
    default:         return 0xffffffffu;    /* CMD is write-only */
    }
}

/* How long a transfer takes, good or bad (a snapshot's reader checks a
 * transfer in flight against it too). */
uint64_t t32_disk_latency(uint32_t count)
{
    return LATENCY_BASE + (uint64_t)LATENCY_PER_SECT * count;
}

/* Start a transfer.  Its outcome is decided when it completes (the DMA
 * range can only be checked against the memory it will go to), but its
 * duration is fixed now: 200 + 50 x COUNT cycles, whatever the outcome. */
static void start(t32_disk *d, uint32_t cmd, uint64_t now)
{
    uint64_t latency = t32_disk_latency(d->count);
    d->cmd = cmd;
    d->status = T32_DISK_BUSY;
    d->done_at = now > UINT64_MAX - latency ? UINT64_MAX : now + latency;
}

void t32_disk_out(t32_disk *d, unsigned off, uint32_t value, uint64_t now)
{
    /* While a transfer is in flight its parameters are locked: what was
     * validated is what will be copied. */
    bool busy = d->status == T32_DISK_BUSY;
    switch (off) {
    case OFF_SECTOR: if (!busy) d->sector = value; break;
    case OFF_ADDR:   if (!busy) d->addr = value; break;
    case OFF_COUNT:  if (!busy) d->count = value; break;
    case OFF_CTRL:   d->ctrl = value & DISK_CTRL_IRQ; break;
    case OFF_CMD:
        if (!busy && (value == T32_DISK_CMD_READ || value == T32_DISK_CMD_WRITE))
            start(d, value, now);
        break;
    case OFF_STATUS:
        if (d->status == T32_DISK_DONE || d->status == T32_DISK_ERROR)
            d->status = T32_DISK_IDLE;      /* acknowledge: line 2 drops */
        break;
    default:
        break;      /* SIZE is read-only */
    }
}

/* ---- completing a transfer ----------------------------------------------------------- */

/* Is the transfer in the registers possible?  All sums in 64 bits. */
static bool transfer_valid(const t32_disk *d, uint32_t dmasize, const uint8_t *dma)
{
    uint64_t bytes = (uint64_t)d->count * T32_SECTOR_SIZE;
    bool known = d->cmd == T32_DISK_CMD_READ || d->cmd == T32_DISK_CMD_WRITE;
    return known && d->count > 0 && dma != NULL && d->data != NULL &&
           (uint64_t)d->sector + d->count <= d->nsectors &&
           (uint64_t)d->addr + bytes <= dmasize;
}

/* Write sectors back to the image file.  A host error cannot be reported to
 * the guest (its outcome must not depend on the host), so it is kept for
 * the end of the run, where t32_disk_sync hands it to the user: the file
 * no longer holds what the guest wrote, and the run must not look like a
 * success. */
void t32_disk_write_through(t32_disk *d, uint64_t offset, size_t len)
{
    if (d->fd < 0)
        return;
    d->dirty = true;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(d->fd, d->data + offset + done, len - done,
                           (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!d->write_error)
                d->write_error = n < 0 ? errno : ENOSPC;   /* 0 bytes: no room */
            return;
        }
        done += (size_t)n;
    }
}

/* A file system may accept a write and fail it later (space is reserved
 * only when the data is flushed, or the flush itself fails): fsync asks.
 * Only a disk that was written is flushed, so a run that never writes
 * its disk costs nothing. */
int t32_disk_sync(t32_disk *d)
{
    if (d->fd >= 0 && d->dirty && !d->write_error && fsync(d->fd) != 0 &&
        errno != EINVAL && errno != EROFS)   /* a file that cannot be synced */
        d->write_error = errno;
    d->dirty = false;
    return d->write_error;
}

void t32_disk_tick(t32_disk *d, uint64_t now, uint8_t *dma, uint32_t dmasize)
{
    if (d->status != T32_DISK_BUSY || now < d->done_at)
        return;
    if (!transfer_valid(d, dmasize, dma)) {
        d->status = T32_DISK_ERROR;     /* nothing is transferred */
        return;
    }
    uint64_t offset = (uint64_t)d->sector * T32_SECTOR_SIZE;
    size_t len = (size_t)d->count * T32_SECTOR_SIZE;
    if (d->cmd == T32_DISK_CMD_READ) {
        memcpy(dma + d->addr, d->data + offset, len);
    } else {
        memcpy(d->data + offset, dma + d->addr, len);
        t32_disk_write_through(d, offset, len);
    }
    d->status = T32_DISK_DONE;
}

bool t32_disk_irq(const t32_disk *d)
{
    bool finished = d->status == T32_DISK_DONE || d->status == T32_DISK_ERROR;
    return finished && (d->ctrl & DISK_CTRL_IRQ);
}
