/*
 * test_spec.c - ISA.md and the C tables say the same thing.
 *
 * ISA.md is what people read; opcodes.h and t32.h are what the code uses.
 * This test reads ISA.md's tables and checks them against the X-macros in
 * both directions: every row of the spec is in the code with the same
 * number, name and class, and every entry of the code is in the spec.
 *
 *   section 2   | 0 | `tvec` | ...           against T32_SYSREGS
 *   section 4   | 01 | `add rd, ...` | I |   against T32_OPCODES
 *   section 6   | 1 | `ILLEGAL` | ...        against T32_CAUSES, and its
 *               BADVADDR column against t32_cause_sets_badvaddr()
 *   section 9   | 0x10 | CON_DATA | ...      against the T32_PORT_* constants
 *               and the port map, t32_port_decode()
 *
 * The test runs from the repository root (make check does that).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t32.h"

#define MAX_ROWS  256
#define MAX_CELL  64

/* One table row: the section it is in and its first five cells (empty
 * if the row has fewer), with backticks and bold markers stripped and each
 * cell cut at a space (so "add rd, rs1, rs2" is "add"). */
#define NCELLS 5
typedef struct row {
    int  section;
    char cell[NCELLS][MAX_CELL];
} row;

typedef struct spec {
    row rows[MAX_ROWS];
    int nrows;
} spec;

static spec the_spec;

/* Copy a table cell without `, * and surrounding blanks; a mnemonic cell
 * like "add rd, rs1, rs2" keeps only its first word. */
static void clean_cell(char *dst, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < MAX_CELL; i++) {
        char ch = src[i];
        if (ch == '`' || ch == '*')
            continue;
        if (ch == ' ' && n == 0)
            continue;
        if (ch == ' ')
            break;
        dst[n++] = ch;
    }
    dst[n] = '\0';
}

/* Split "| a | b | c | ..." into the first cells.  False if the line is
 * not a table row with at least three cells. */
static bool split_row(const char *line, row *r)
{
    if (line[0] != '|')
        return false;
    const char *p = line + 1;
    for (int i = 0; i < NCELLS; i++) {
        const char *bar = strchr(p, '|');
        while (bar && bar > p && bar[-1] == '\\')   /* an escaped \| */
            bar = strchr(bar + 1, '|');
        if (!bar)
            return i >= 3;
        clean_cell(r->cell[i], p, (size_t)(bar - p));
        p = bar + 1;
    }
    return true;
}

static int load_spec(void **state)
{
    (void)state;
    const char *paths[] = { "isa/ISA.md", "../isa/ISA.md", "../../isa/ISA.md" };
    FILE *f = NULL;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !f; i++)
        f = fopen(paths[i], "r");
    if (!f) {
        fprintf(stderr, "test_spec: cannot open isa/ISA.md (run from the repo root)\n");
        return -1;
    }
    char line[1024];
    int section = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "## ", 3) == 0)
            section = atoi(line + 3);   /* "## 4. The instructions" -> 4 */
        row r = { .section = section };
        if (section > 0 && the_spec.nrows < MAX_ROWS && split_row(line, &r))
            the_spec.rows[the_spec.nrows++] = r;
    }
    fclose(f);
    return 0;
}

/* Parse a whole cell as a number in `base`; -1 if it is not one. */
static long number(const char *s, int base)
{
    char *end;
    if (!isxdigit((unsigned char)s[0]))
        return -1;
    long v = strtol(s, &end, base);
    return *end == '\0' ? v : -1;
}

/* The rows of one section whose first cell is a number (skips headers). */
typedef bool (*row_fn)(const row *r, long num, void *ctx);

static int each_row(int section, int base, row_fn fn, void *ctx)
{
    int n = 0;
    for (int i = 0; i < the_spec.nrows; i++) {
        const row *r = &the_spec.rows[i];
        long num = number(r->cell[0], base);
        if (r->section != section || num < 0)
            continue;
        n++;
        if (!fn(r, num, ctx))
            fail_msg("ISA.md section %d: row '%s | %s | %s' disagrees with the code",
                     section, r->cell[0], r->cell[1], r->cell[2]);
    }
    return n;
}

/* ---- instructions ------------------------------------------------------- */

static char class_letter(t32_class cls)
{
    switch (cls) {
    case T32_INNOCUOUS:  return 'I';
    case T32_PRIVILEGED: return 'P';
    case T32_SENSITIVE:  return 'S';
    }
    return '?';
}

static bool op_row_matches(const row *r, long num, void *ctx)
{
    bool *seen = ctx;
    if (num >= 256 || !t32_ops[num].mnemonic)
        return false;
    seen[num] = true;
    return strcmp(t32_ops[num].mnemonic, r->cell[1]) == 0 &&
           strlen(r->cell[2]) == 1 && r->cell[2][0] == class_letter(t32_ops[num].cls);
}

static void test_instruction_table(void **state)
{
    (void)state;
    bool seen[256] = { false };
    int rows = each_row(4, 16, op_row_matches, seen);
    int ops = 0;
#define X(name, mnem, code, fmt, cls)                                         \
    ops++;                                                                    \
    if (!seen[code])                                                          \
        fail_msg("opcode %02X (%s) is missing from ISA.md section 4", code, mnem);
    T32_OPCODES(X)
#undef X
    assert_int_equal(rows, ops);
}

/* ---- system registers ----------------------------------------------------- */

static bool sysreg_row_matches(const row *r, long num, void *ctx)
{
    bool *seen = ctx;
    const char *name = t32_sysreg_name((unsigned)num);
    if (!name)
        return false;
    seen[num] = true;
    return strcmp(name, r->cell[1]) == 0;
}

static void test_sysreg_table(void **state)
{
    (void)state;
    bool seen[T32_NSYSREGS] = { false };
    int rows = each_row(2, 10, sysreg_row_matches, seen);
    int regs = 0;
#define X(name, str, num)                                                     \
    regs++;                                                                   \
    if (!seen[num])                                                           \
        fail_msg("system register %d (%s) is missing from ISA.md section 2", num, str);
    T32_SYSREGS(X)
#undef X
    assert_int_equal(rows, regs);
    assert_int_equal(regs, T32_NSYSREGS);
}

/* ---- trap causes -------------------------------------------------------------- */

static const char *cause_macro_name(long num)
{
    switch (num) {
#define X(name, str, n) case n: return #name;
    T32_CAUSES(X)
#undef X
    default: return NULL;
    }
}

static bool cause_row_matches(const row *r, long num, void *ctx)
{
    bool *seen = ctx;
    const char *name = cause_macro_name(num);
    if (!name || num == T32_CAUSE_NONE)
        return false;
    seen[num] = true;
    return strcmp(name, r->cell[1]) == 0;
}

static void test_cause_table(void **state)
{
    (void)state;
    bool seen[T32_CAUSE_LIMIT] = { false };
    int rows = each_row(6, 10, cause_row_matches, seen);
    int causes = 0;
#define X(name, str, num)                                                     \
    if (num != T32_CAUSE_NONE) {                                              \
        causes++;                                                             \
        if (!seen[num])                                                       \
            fail_msg("cause %d (%s) is missing from ISA.md section 6", num, #name); \
    }
    T32_CAUSES(X)
#undef X
    assert_int_equal(rows, causes);
}

/* The BADVADDR column: "the address" (or "the virtual address") for the
 * causes that write it, a dash for the others. */
static bool badvaddr_row_matches(const row *r, long num, void *ctx)
{
    (void)ctx;
    bool listed = strcmp(r->cell[4], "the") == 0;
    if (!listed && strcmp(r->cell[4], "\u2014") != 0)
        return false;                   /* neither: the column moved? */
    return t32_cause_sets_badvaddr((t32_cause)num) == listed;
}

static void test_cause_badvaddr_column(void **state)
{
    (void)state;
    int rows = each_row(6, 10, badvaddr_row_matches, NULL);
    assert_true(rows > 0);
    /* And the causes missing from the table (NONE) write nothing. */
    assert_false(t32_cause_sets_badvaddr(T32_CAUSE_NONE));
}

/* ---- ports ------------------------------------------------------------------------ */

/* The port constants of t32.h, by their ISA.md names. */
#define PORTS(X) X(MEMSIZE) X(NCPUS) X(CON_DATA) X(CON_STATUS) X(CON_CTRL)     \
    X(DISK_SECTOR) X(DISK_ADDR) X(DISK_COUNT) X(DISK_CMD) X(DISK_STATUS)       \
    X(DISK_CTRL) X(DISK_SIZE)

static bool port_row_matches(const row *r, long num, void *ctx)
{
    (void)ctx;
#define X(name) if (strcmp(r->cell[1], #name) == 0) return num == T32_PORT_##name;
    PORTS(X)
#undef X
    return false;
}

static void test_port_table(void **state)
{
    (void)state;
    /* Rows look like "| 0x10 | CON_DATA | in |": strip the 0x first. */
    for (int i = 0; i < the_spec.nrows; i++) {
        row *r = &the_spec.rows[i];
        if (r->section == 9 && strncmp(r->cell[0], "0x", 2) == 0)
            memmove(r->cell[0], r->cell[0] + 2, strlen(r->cell[0] + 2) + 1);
    }
    int rows = each_row(9, 16, port_row_matches, NULL);
    int ports = 0;
#define X(name) ports++;
    PORTS(X)
#undef X
    /* CON_DATA and DISK_STATUS have an "in" and an "out" row each. */
    assert_int_equal(rows, ports + 2);
}

/* The port map: every port of the table decodes to the device its name
 * says, at the right offset, and every port not in the table to nothing. */
static bool decode_row_matches(const row *r, long num, void *ctx)
{
    bool *listed = ctx;
    unsigned off;
    t32_port_dev dev = t32_port_decode((uint32_t)num, &off);
    listed[num & 0xffff] = true;
    if (strcmp(r->cell[1], "MEMSIZE") == 0)
        return dev == T32_DEV_MEMSIZE;
    if (strcmp(r->cell[1], "NCPUS") == 0)
        return dev == T32_DEV_NCPUS;
    if (strncmp(r->cell[1], "CON_", 4) == 0)
        return dev == T32_DEV_CONSOLE && off == num - T32_PORT_CON_DATA;
    if (strncmp(r->cell[1], "DISK_", 5) == 0)
        return dev == T32_DEV_DISK && off == num - T32_PORT_DISK_SECTOR;
    return false;
}

static void test_port_map(void **state)
{
    (void)state;
    static bool listed[0x10000];
    for (int i = 0; i < the_spec.nrows; i++) {    /* "0x10" -> "10" */
        row *r = &the_spec.rows[i];
        if (r->section == 9 && strncmp(r->cell[0], "0x", 2) == 0)
            memmove(r->cell[0], r->cell[0] + 2, strlen(r->cell[0] + 2) + 1);
    }
    assert_true(each_row(9, 16, decode_row_matches, listed) > 0);
    for (uint32_t port = 0; port <= 0xffffu; port++) {
        unsigned off;
        if (!listed[port] && t32_port_decode(port, &off) != T32_DEV_NONE)
            fail_msg("port 0x%x decodes to a device but is not in ISA.md section 9", port);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instruction_table),
        cmocka_unit_test(test_sysreg_table),
        cmocka_unit_test(test_cause_table),
        cmocka_unit_test(test_cause_badvaddr_column),
        cmocka_unit_test(test_port_table),
        cmocka_unit_test(test_port_map),
    };
    return cmocka_run_group_tests(tests, load_spec, NULL);
}
