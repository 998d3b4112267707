/*
 * audit.c - `trapeze audit IMAGE`: where an image breaks Popek and Goldberg.
 *
 * T32 is not classically virtualizable because a few instructions are
 * sensitive but not privileged (isa/opcodes.h, class SENSITIVE - today
 * pushf and popf): run deprivileged, they do the wrong thing instead of
 * trapping.  This command lists every such instruction in the image's
 * executable segments, with its address, the symbol it belongs to and the
 * source line it came from - exactly the sites a binary translator has to
 * patch before the code may run in the guest kernel (the lecture's "VMware's
 * solution"), and the sites a paravirtual port has to rewrite by hand.
 *
 * It reads the image only.  A translator scans whole pages, so every
 * aligned word the image puts in a page that holds code - a page an
 * executable segment touches - is decoded with the opcode table, whose
 * class column decides.  A word that is data but decodes as pushf or popf
 * is listed apart, marked "data": a word of a data range (.word, .ascii,
 * ... in .text), or of a segment that is not executable but shares the
 * page (.data placed there with .org).  It is no instruction, but a
 * translator that scans code pages cannot tell, and patches it too: one
 * that patched guest memory in place would corrupt the data.  Trapeze's
 * bt patches a copy that only the kernel's fetches use, so the guest's
 * loads still read the word as written (vmm/README.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/commands.h"
#include "vmm/session/session.h"

static void print_help(void)
{
    fputs("usage: trapeze audit [--] IMAGE\n"
          "\n"
          "List every sensitive but unprivileged instruction (opcode class SENSITIVE:\n"
          "pushf, popf) in the pages of IMAGE's executable segments: its address,\n"
          "symbol+offset, source file:line (from the image's line table) and mnemonic\n"
          "- the sites a binary translator patches when they run in kernel mode,\n"
          "since they do not trap when run deprivileged.  audit reads the image, not\n"
          "a run: a site only user mode runs is listed too (bt leaves user code\n"
          "alone), and kernel code in a segment not marked executable is not (bt\n"
          "scans whatever page the kernel runs).  Data in those pages that decodes as one (a data word in\n"
          "code, or a data segment sharing a page with code) is listed too, marked\n"
          "\"data\": a page scanner patches it as well (bt patches a copy used only for\n"
          "the kernel's fetches, so loads still read the data as written; a translator\n"
          "that patched memory in place would corrupt it).  The last line counts\n"
          "every site listed (\"4 sites (1 in data ranges)\", or \"0 sites\" after the\n"
          "line that says there is none).\n"
          "\n"
          "options:\n"
          "  -h, --help           show this help\n"
          "\n"
          "exit status:\n"
          "  0  no site: nothing for a translator to patch\n"
          "  1  at least one site listed, data words included (or the image could\n"
          "     not be read)\n"
          "  2  bad command line\n", stdout);
}

/* The word of a segment at byte offset `off` (off + 4 <= filesz). */
static uint32_t word_at(const t32_segment *seg, uint32_t off)
{
    return t32_load32(seg->data + off);
}

/* One site: address, <symbol+offset>, file:line, mnemonic, "data" for a
 * data word that only decodes as one. */
static void print_site(const t32_image *img, uint32_t addr, unsigned op, bool data)
{
    char where[512], source[512] = "-";
    const char *file;
    int line;
    session_describe_pc(where, sizeof where, img, addr);
    if (t32_image_line(img, addr, &file, &line))
        snprintf(source, sizeof source, "%s:%d", file, line);
    printf("%-40s  %-6s  %s%s\n", where, t32_ops[op].mnemonic, source, data ? "  data" : "");
}

/* Does the page at `page` hold code: does an executable segment touch it?
 * A translator scans the whole page before it runs in kernel mode. */
static bool page_has_code(const t32_image *img, uint32_t page)
{
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *seg = &img->segs[i];
        if ((seg->flags & T32_SEG_X) && seg->addr < (uint64_t)page + T32_PAGE_SIZE &&
            page < (uint64_t)seg->addr + seg->size)
            return true;
    }
    return false;
}

/* Scan the words of one segment that lie in pages holding code; count
 * the sites per opcode, and the data words that look like one.  Only the
 * bytes the image carries are scanned: the rest of the segment is zeros,
 * which decode as nothing. */
static void scan_segment(const t32_image *img, const t32_segment *seg, uint64_t count[256],
                         uint64_t *lookalikes, bool *listed)
{
    uint32_t first = (4u - seg->addr % 4u) % 4u;      /* the first aligned word */
    for (uint32_t off = first; (uint64_t)off + 4 <= seg->filesz; off += 4) {
        uint32_t addr = seg->addr + off;
        unsigned op = T32_OPC(word_at(seg, off));
        if (!t32_ops[op].mnemonic || t32_ops[op].cls != T32_SENSITIVE ||
            !page_has_code(img, addr & ~(T32_PAGE_SIZE - 1u)))
            continue;
        bool data = !(seg->flags & T32_SEG_X) || t32_image_data_at(img, addr) != NULL;
        if (!*listed)             /* the header over the first site: none, no table */
            printf("%-40s  %-6s  %s\n", "address", "insn", "source");
        *listed = true;
        print_site(img, addr, op, data);
        if (data)
            ++*lookalikes;
        else
            count[op]++;
    }
}

/* The summary: the instructions, per opcode; the data words that decode
 * as one; and last every site listed, which is what bt patches.  Returns
 * the number of sites. */
static uint64_t print_summary(const char *path, const uint64_t count[256], uint64_t lookalikes)
{
    uint64_t insns = 0;
    for (int op = 0; op < 256; op++)
        insns += count[op];
    if (insns + lookalikes == 0) {
        printf("%s: no sensitive but unprivileged instructions\n", path);
        printf("%s: 0 sites\n", path);      /* the last line counts, always */
        return 0;
    }
    if (insns) {
        printf("%s: %" PRIu64 " sensitive but unprivileged instruction%s (", path, insns,
               insns == 1 ? "" : "s");
        const char *sep = "";
        for (int op = 0; op < 256; op++) {
            if (t32_ops[op].cls != T32_SENSITIVE || !t32_ops[op].mnemonic)
                continue;
            printf("%s%" PRIu64 " %s", sep, count[op], t32_ops[op].mnemonic);
            sep = ", ";
        }
        printf("): none of them traps when run deprivileged\n");
    }
    if (lookalikes)
        printf("%s: %" PRIu64 " data word%s in code pages decode%s as one: a translator patches "
               "%s too\n", path, lookalikes, lookalikes == 1 ? "" : "s",
               lookalikes == 1 ? "s" : "", lookalikes == 1 ? "it" : "them");
    uint64_t sites = insns + lookalikes;
    printf("%s: %" PRIu64 " site%s", path, sites, sites == 1 ? "" : "s");
    if (lookalikes)
        printf(" (%" PRIu64 " in data ranges)", lookalikes);
    printf("\n");
    return sites;
}

static int audit(const char *path)
{
    t32_image img;
    char err[256];
    if (!t32_image_read(path, &img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        return SESSION_ERROR;
    }
    uint64_t count[256] = { 0 }, lookalikes = 0;
    bool listed = false;
    for (size_t i = 0; i < img.nsegs; i++)      /* in address order */
        scan_segment(&img, &img.segs[i], count, &lookalikes, &listed);
    uint64_t sites = print_summary(path, count, lookalikes);
    t32_image_free(&img);
    if (session_check_stdout("audit") != 0)
        return SESSION_ERROR;
    return sites ? 1 : 0;
}

int cmd_audit(int argc, char **argv)
{
    const char *image = NULL;
    bool options_end = false;       /* after "--", an IMAGE */
    if (session_asks_help(argc, argv)) {
        print_help();
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_end && strcmp(a, "--") == 0) {
            options_end = true;
            continue;
        }
        if (!options_end && a[0] == '-' && a[1] != '\0')
            return session_usage_error("audit", "unknown option '%s'", a);
        if (image)
            return session_usage_error("audit", "more than one IMAGE ('%s')", a);
        image = a;
    }
    if (!image)
        return session_usage_error("audit", "no image to audit");
    if (image[0] == '\0')
        return session_usage_error("audit", "IMAGE needs a file name, not an empty one");
    return audit(image);
}
