/*
 * show.c - looking at the guest: x, xp, print, display, disassemble, list,
 * backtrace and the info commands about registers, symbols and lines.
 *
 * Memory is shown as bare T32 would let the guest see it: x reads guest
 * virtual addresses through the guest's own page tables in its current
 * (virtual) mode, xp reads guest-physical memory (Bochs' split).  Code is
 * shown by the one disassembler (assembler/disasm.h), source lines from the
 * image's line table and the source files on disk.
 */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assembler/disasm.h"
#include "vmm/debug/internal.h"

/* ---- source lines --------------------------------------------------------------------- */

/* The largest source file t32as reads: no line table can point further. */
#define MAX_SOURCE_BYTES (64 << 20)

/* Open a source file named by the image's line table, which comes from
 * outside: the name may be /dev/zero (no newline ever, no end) or a fifo
 * (open and read wait for a writer that may never come), and the debugger
 * would hang at the first line it shows.  Only a regular file of at most
 * the size t32as accepts is a source; O_NONBLOCK keeps open() itself from
 * waiting before fstat can tell. */
static FILE *open_source(const char *file)
{
    int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MAX_SOURCE_BYTES)
        f = fdopen(fd, "r");
    if (!f)
        close(fd);
    return f;
}

/* Line `n` of `file` (without its newline) into buf; false if unreadable. */
static bool source_line(const char *file, int n, char *buf, size_t len)
{
    FILE *f = open_source(file);
    if (!f)
        return false;
    int at = 1, c = 0;
    size_t k = 0;
    while (at < n && (c = getc(f)) != EOF)
        at += c == '\n';
    bool any = false;           /* line n has a character (its newline, say) */
    while (at == n && (c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (k + 1 < len)
            buf[k++] = c == '\t' ? ' ' : (char)c;
    }
    buf[k] = '\0';
    fclose(f);
    return at == n && any;      /* (after the last newline there is no line) */
}

/* How many lines `file` has (a last one without its newline counts), or
 * -1 if it cannot be read. */
static int source_lines(const char *file)
{
    FILE *f = open_source(file);
    if (!f)
        return -1;
    int n = 0, c, last = '\n';
    while ((c = getc(f)) != EOF) {
        n += c == '\n';
        last = c;
    }
    fclose(f);
    return n + (last != '\n');
}

void show_source_line(debugger *d, uint32_t pc)
{
    const char *file;
    int line;
    char text[256];
    if (!dbg_image(d) || !t32_image_line(dbg_image(d), pc, &file, &line))
        return;
    if (source_line(file, line, text, sizeof text))
        fprintf(d->out, "%s:%d\t%s\n", file, line, text);
    else
        fprintf(d->out, "%s:%d\t(source not found)\n", file, line);
}

/* One instruction line: "=> 0x00001010 <kputs+0x8>:\tldbu r1, 0(r2)";
 * w is the word, or NULL when it cannot be read. */
static void insn_line(debugger *d, const char *where, uint32_t pc, const uint32_t *w, bool mark)
{
    char text[128];
    if (!w)
        snprintf(text, sizeof text, "<cannot access memory>");
    else
        dis_insn(*w, pc, dbg_image(d), text, sizeof text);
    fprintf(d->out, "%s%s:\t%s\n", mark ? "=> " : "", where, text);
}

void show_insn(debugger *d, uint32_t pc, bool mark)
{
    char where[256];
    uint32_t w;
    dbg_where(d, where, sizeof where, pc);
    insn_line(d, where, pc, dbg_read_virt(d, pc, &w, 4) ? &w : NULL, mark);
}

/* ---- formats ------------------------------------------------------------------------------ */

typedef struct fmt {
    unsigned count;
    char     letter;   /* x d u o t c a s i */
    unsigned unit;     /* 1 2 4 */
    bool     counted;  /* a count was given */
    bool     sized;    /* a unit was given */
} fmt;

/* "/8xw": count, format letter, unit - each optional, in any order. */
static bool parse_fmt(debugger *d, const char *s, fmt *f)
{
    if (!s)
        return true;
    char *end;
    if (isdigit((unsigned char)*s)) {
        unsigned long n = strtoul(s, &end, 10);
        if (n == 0 || n > 4096)
            return dbg_error(d, "a count is 1..4096");
        f->count = (unsigned)n;
        f->counted = true;
        s = end;
    }
    for (; *s; s++) {
        if (strchr("xduotcasi", *s))
            f->letter = *s;
        else if (*s == 'b' || *s == 'h' || *s == 'w')
            f->unit = *s == 'b' ? 1 : *s == 'h' ? 2 : 4, f->sized = true;
        else
            return dbg_error(d, "undefined format letter '%c' (x d u o t c a s i, b h w)", *s);
    }
    return true;
}

static void format_value(debugger *d, char *buf, size_t len, uint32_t v, char letter,
                         unsigned unit)
{
    uint32_t mask = unit == 4 ? 0xffffffffu : (1u << (8 * unit)) - 1;
    v &= mask;
    int32_t sv = unit == 4 ? (int32_t)v : unit == 2 ? (int16_t)v : (int8_t)v;
    switch (letter) {
    case 'x': snprintf(buf, len, "0x%0*" PRIx32, (int)unit * 2, v); break;
    case 'u': snprintf(buf, len, "%" PRIu32, v); break;
    case 'o': snprintf(buf, len, "0%" PRIo32, v); break;
    case 'c': snprintf(buf, len, isprint((int)(v & 0xff)) ? "%" PRIu32 " '%c'" : "%" PRIu32
                       " '\\%03o'", v & 0xff, (unsigned)(v & 0xff)); break;
    case 'a': dbg_where(d, buf, len, v); break;
    case 't': {
        size_t k = 0;
        for (int b = 8 * (int)unit - 1; b >= 0 && k + 1 < len; b--)
            buf[k++] = (v >> b) & 1 ? '1' : '0';
        buf[k] = '\0';
        break;
    }
    default: snprintf(buf, len, "%" PRId32, sv); break;
    }
}

/* ---- x and xp -------------------------------------------------------------------------------- */

static bool read_mem(debugger *d, bool phys, uint32_t a, void *buf, size_t n)
{
    return phys ? dbg_read_phys(d, a, buf, n) : dbg_read_virt(d, a, buf, n);
}

/* The address a line of x starts with: "0x00003000 <msg_boot>" as gdb
 * shows it (the symbols are guest-virtual: xp's lines have none). */
static void line_where(debugger *d, bool phys, uint32_t a, char *buf, size_t len)
{
    if (phys)
        snprintf(buf, len, "0x%08" PRIx32, a);
    else
        dbg_where(d, buf, len, a);
}

/* x/s: each string up to its NUL, as gdb shows it: at most 200 bytes to
 * a line, a longer one cut with "..." (the next x/s goes on from the
 * cut), and one that runs into unreadable memory shown up to there. */
static bool examine_string(debugger *d, bool phys, uint32_t a, fmt *f)
{
    enum { MAX_SHOWN = 200 };
    for (unsigned i = 0; i < f->count; i++) {
        char s[MAX_SHOWN];
        size_t k = 0;
        bool ended = false, readable = true;
        while (k < sizeof s && (uint64_t)a + k <= UINT32_MAX) {
            uint8_t c;
            if (!(readable = read_mem(d, phys, a + (uint32_t)k, &c, 1)) || (ended = c == 0))
                break;
            s[k++] = (char)c;
        }
        uint8_t after;              /* exactly 200 bytes and its NUL: whole, no "..." */
        if (k == sizeof s && (uint64_t)a + k <= UINT32_MAX &&
            read_mem(d, phys, a + (uint32_t)k, &after, 1) && after == 0)
            ended = true;
        if (k == 0 && !readable)
            return dbg_error(d, "cannot access memory at address 0x%08" PRIx32, a);
        char where[256];
        line_where(d, phys, a, where, sizeof where);
        fprintf(d->out, "%s:\t\"", where);
        for (size_t j = 0; j < k; j++)
            fprintf(d->out, isprint((unsigned char)s[j]) ? "%c" : "\\%03o", (unsigned char)s[j]);
        fprintf(d->out, "\"%s\n", ended || !readable ? "" : "...");
        if (!readable)
            return dbg_error(d, "cannot access memory at address 0x%08" PRIx32,
                             a + (uint32_t)k);
        uint64_t next = (uint64_t)a + k + (ended ? 1 : 0);
        if (next > UINT32_MAX) {
            a = UINT32_MAX;
            break;              /* the top of memory: no wrap to 0 */
        }
        a = (uint32_t)next;
    }
    d->xnext = a;
    return true;
}

static bool examine(debugger *d, const char *fs, char *args, bool phys)
{
    fmt f = { 1, d->xfmt ? d->xfmt : 'x', d->xunit ? d->xunit : 4, false, false };
    if (!parse_fmt(d, fs, &f))
        return false;
    /* a and i are words, c and s bytes: another unit is a mistake. */
    unsigned own = f.letter == 'a' || f.letter == 'i' ? 4 : f.letter == 'c' || f.letter == 's' ? 1 : 0;
    if (f.sized && own && f.unit != own)
        return dbg_error(d, "format '%c' is in %s: no other unit with it", f.letter,
                         own == 4 ? "words (w)" : "bytes (b)");
    uint32_t a = d->xnext;
    if (*args && !expr_eval(d, args, &a))
        return false;
    if (f.letter == 'a' || f.letter == 'c')
        f.unit = f.letter == 'a' ? 4 : 1;
    unsigned unit = f.letter == 'i' ? 4 : f.letter == 's' ? 1 : f.unit;
    /* Stop at the top of memory, as disassemble does: 0xfffffffc + 4 is
     * no address, and wrapping to 0x00000000 would show memory the user
     * did not ask for. */
    uint64_t room = ((uint64_t)UINT32_MAX + 1 - a) / unit;
    if (f.letter != 's' && room == 0)
        return dbg_error(d, "cannot access memory at address 0x%08" PRIx32
                         " (past the top of memory)", a);
    if (f.letter != 's' && f.count > room)
        f.count = (unsigned)room;
    uint32_t next = (uint64_t)a + (uint64_t)f.count * unit > UINT32_MAX
                  ? a + (f.count - 1) * unit : a + f.count * unit;
    if (f.letter == 'i') {
        for (unsigned i = 0; i < f.count; i++) {
            uint32_t at = a + 4 * i, w;
            char where[256];
            if (!read_mem(d, phys, at, &w, 4))     /* as the other formats */
                return dbg_error(d, "cannot access memory at address 0x%08" PRIx32, at);
            line_where(d, phys, at, where, sizeof where);
            insn_line(d, where, at, &w, !phys && at == dbg_pc(d));
        }
        d->xnext = next;
        d->xfmt = f.letter;
        return true;
    }
    d->xfmt = f.letter;
    if (f.letter == 's')
        return examine_string(d, phys, a, &f);
    d->xunit = f.unit;
    unsigned per_line = f.unit == 4 ? 4 : 8;
    for (unsigned i = 0; i < f.count; i++) {
        uint32_t at = a + i * f.unit, v = 0;
        if (!read_mem(d, phys, at, &v, f.unit)) {
            if (i % per_line)
                fprintf(d->out, "\n");
            return dbg_error(d, "cannot access memory at address 0x%08" PRIx32, at);
        }
        char val[64];
        format_value(d, val, sizeof val, v, f.letter, f.unit);
        if (i % per_line == 0) {
            char where[256];
            line_where(d, phys, at, where, sizeof where);
            fprintf(d->out, "%s%s:", i ? "\n" : "", where);
        }
        fprintf(d->out, "\t%s", val);
    }
    fprintf(d->out, "\n");
    d->xnext = next;
    return true;
}

bool dc_x(debugger *d, const char *fs, char *args)
{
    return examine(d, fs, args, false);
}

bool dc_xp(debugger *d, const char *fs, char *args)
{
    return examine(d, fs, args, true);
}

/* ---- print, set, display -------------------------------------------------------------------- */

static bool print_value(debugger *d, const char *fs, const char *text, bool record)
{
    fmt f = { 1, 'd', 4, false, false };
    if (!parse_fmt(d, fs, &f))
        return false;
    if (f.counted || f.sized)       /* gdb: "meaningless in print" */
        return dbg_error(d, "a count or a unit (b h w) is for x, not print: a value has one");
    uint32_t v;
    if (!*text) {
        if (d->nhistory == 0)
            return dbg_error(d, "history is empty");
        v = d->history[(d->nhistory - 1) % DBG_MAX_HISTORY];
    } else if (!expr_eval(d, text, &v)) {
        return false;
    }
    if (f.letter == 'i' || f.letter == 's')
        return dbg_error(d, "format '%c' is for x, not print", f.letter);
    char val[64];
    format_value(d, val, sizeof val, v, f.letter, 4);
    if (record) {
        d->history[d->nhistory % DBG_MAX_HISTORY] = v;
        d->nhistory++;
        fprintf(d->out, "$%d = %s\n", d->nhistory, val);
    } else {
        fprintf(d->out, "%s\n", val);
    }
    return true;
}

bool dc_print(debugger *d, const char *fs, char *args)
{
    return print_value(d, fs, args, true);
}

/* The '=' of an assignment (not ==, <=, >=, !=). */
static char *assignment(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '=' && p[1] != '=' && (p == s || !strchr("<>!=", p[-1])))
            return p;
    return NULL;
}

/* set var LHS = EXPR, set $reg = EXPR: LHS is $reg, *ADDR or a symbol (the
 * word at its address). */
bool dc_set(debugger *d, const char *fs, char *args)
{
    (void)fs;
    if (strncmp(args, "variable ", 9) == 0)
        args += 9;
    else if (strncmp(args, "var ", 4) == 0)
        args += 4;
    char *eq = assignment(args);
    if (!eq)
        return dbg_error(d, "expected 'set var LHS = VALUE' or 'set $REG = VALUE'");
    *eq = '\0';
    char *lhs = dbg_trim(args), *rhs = dbg_trim(eq + 1);
    uint32_t v, a;
    if (!*lhs || !expr_eval(d, rhs, &v))
        return *lhs ? false : dbg_error(d, "nothing to assign to");
    /* Writing what is already there changes nothing: the reverse history
     * is kept (dbg_changed would cut it). */
    if (lhs[0] == '$') {
        if (dbg_reg_holds(d, lhs + 1, v))
            return true;
        if (!dbg_set_reg(d, lhs + 1, v))
            return false;
    } else {
        /* A symbol names its word; anything else is a value, with no
         * place to store into (gdb: "not an lvalue"). */
        if (lhs[0] != '*' && !expr_is_name(lhs))
            return dbg_error(d, "left operand of assignment is not an lvalue: '%s' "
                                "(use $REG, *ADDR or a symbol)", lhs);
        uint32_t old;
        if (!expr_eval(d, lhs[0] == '*' ? lhs + 1 : lhs, &a))
            return false;
        if (dbg_read_virt(d, a, &old, 4) && old == v)
            return true;
        if (!dbg_write_virt(d, a, &v, 4))
            return dbg_error(d, "cannot access memory at address 0x%08" PRIx32, a);
    }
    dbg_changed(d);
    return true;
}

/* A display's format asks for memory, as x shows it, when it has a count,
 * a unit or an x-only letter (/2i, /s, /4xw): EXPR is then an address.
 * Any other format (/x, /d, /c ...) only says how to print EXPR's value.
 * gdb draws the same line. */
static bool display_examines(const char *fs)
{
    return isdigit((unsigned char)fs[0]) || strpbrk(fs, "isbhw") != NULL;
}

/* A display's value, or - its expression cannot be read now (memory not
 * mapped at this stop) - gdb's "<error: ...>" in its place: the line stays
 * whole, and the command that stopped did not fail. */
static void display_value(debugger *d, const char *fs, const char *expr)
{
    char err[200] = "";
    uint32_t v;
    d->error_to = err, d->error_len = sizeof err;
    bool ok = expr_eval(d, expr, &v);
    d->error_to = NULL;
    if (ok)
        print_value(d, fs, expr, false);
    else
        fprintf(d->out, "<error: %s>\n", err);
}

static void show_display(debugger *d, int i)
{
    const char *s = d->displays[i];
    if (s[0] != '/') {
        fprintf(d->out, "%d: %s = ", d->display_id[i], s);
        display_value(d, NULL, s);
        return;
    }
    const char *sp = strchr(s, ' ');   /* "/FMT EXPR" */
    char fs[16], expr[128];
    snprintf(fs, sizeof fs, "%.*s", sp ? (int)(sp - s - 1) : 0, s + 1);
    snprintf(expr, sizeof expr, "%s", sp ? sp + 1 : "");
    if (!display_examines(fs)) {       /* "2: /x $r3 = 0x00000000" */
        fprintf(d->out, "%d: /%s %s = ", d->display_id[i], fs, expr);
        display_value(d, fs, expr);
        return;
    }
    /* "3: x/4xw $sp" and the memory under it; x's own next address and
     * format stay as the last x left them. */
    fprintf(d->out, "%d: x/%s %s\n", d->display_id[i], fs, expr);
    char saved_f = d->xfmt, err[200] = "";
    unsigned saved_u = d->xunit;
    uint32_t saved_n = d->xnext;
    d->error_to = err, d->error_len = sizeof err;
    bool ok = examine(d, fs, expr, false);
    d->error_to = NULL;
    if (!ok)
        fprintf(d->out, "<error: %s>\n", err);
    d->xfmt = saved_f, d->xunit = saved_u, d->xnext = saved_n;
}

void show_displays(debugger *d)
{
    for (int i = 0; i < DBG_MAX_DISPLAYS; i++)
        if (d->displays[i][0])
            show_display(d, i);
}

bool dc_display(debugger *d, const char *fs, char *args)
{
    if (!*args) {
        show_displays(d);
        return true;
    }
    uint32_t v;
    fmt f = { 1, 'x', 4, false, false };
    if ((fs && !parse_fmt(d, fs, &f)) || !expr_eval(d, args, &v))
        return false;
    for (int i = 0; i < DBG_MAX_DISPLAYS; i++) {
        if (d->displays[i][0])
            continue;
        d->display_id[i] = ++d->next_display;
        if (fs)
            snprintf(d->displays[i], sizeof d->displays[i], "/%s %s", fs, args);
        else
            snprintf(d->displays[i], sizeof d->displays[i], "%s", args);
        if (dbg_alive(d))
            show_display(d, i);
        return true;
    }
    return dbg_error(d, "too many displays (%d)", DBG_MAX_DISPLAYS);
}

bool dc_undisplay(debugger *d, const char *fs, char *args)
{
    (void)fs;
    char *w;
    if (!*args)
        memset(d->displays, 0, sizeof d->displays);
    while ((w = dbg_word(&args)) != NULL) {
        char *end;
        long n = strtol(w, &end, 10);
        int i = 0;
        while (!*end && i < DBG_MAX_DISPLAYS && (!d->displays[i][0] || d->display_id[i] != n))
            i++;
        if (*end || i == DBG_MAX_DISPLAYS)
            return dbg_error(d, "no display number %s", w);
        /* The ones after it move down: displays stay in the order given. */
        for (; i + 1 < DBG_MAX_DISPLAYS; i++) {
            memcpy(d->displays[i], d->displays[i + 1], sizeof d->displays[i]);
            d->display_id[i] = d->display_id[i + 1];
        }
        d->displays[i][0] = '\0';
    }
    return true;
}

/* info display: the numbers are the displays' own, as they were given. */
void show_display_list(debugger *d)
{
    bool any = false;
    for (int i = 0; i < DBG_MAX_DISPLAYS; i++) {
        if (!d->displays[i][0])
            continue;
        fprintf(d->out, "%d: %s\n", d->display_id[i], d->displays[i]);
        any = true;
    }
    if (!any)
        fprintf(d->out, "There are no auto-display expressions now.\n");
}

/* ---- disassemble ---------------------------------------------------------------------------- */

#define MEMORY_END ((uint64_t)1 << 32)   /* one past the last byte a guest can address */

/* The function around pc: from its symbol to the next symbol (at most 64
 * instructions, and never past the top of memory). */
static void function_bounds(const debugger *d, uint32_t pc, uint32_t *lo, uint64_t *hi)
{
    const t32_image *img = dbg_image(d);
    uint32_t off = 0;
    const char *sym = dbg_symbol(img, pc, &off);
    *lo = sym ? pc - off : pc;
    *hi = (uint64_t)*lo + 64 * 4;
    if (*hi > MEMORY_END)
        *hi = MEMORY_END;
    for (size_t i = 0; img && i < img->nsyms; i++) {
        uint32_t v = img->syms[i].value;
        if (!(img->syms[i].flags & T32_SYM_ABS) && v > *lo && v < *hi)
            *hi = v;
    }
    if (pc >= *hi)
        *hi = (uint64_t)pc + 4;
}

/* The range's end is exclusive and kept in 64 bits: the last word of
 * memory, 0xfffffffc, ends at 2^32, which no uint32_t can hold (a 32-bit
 * `a += 4` wraps to 0 and the loop never ends). */
bool dc_disassemble(debugger *d, const char *fs, char *args)
{
    (void)fs;
    uint32_t lo;
    uint64_t hi;
    char *comma = strchr(args, ',');
    if (comma) {
        *comma = '\0';
        char *rest = dbg_trim(comma + 1);
        uint32_t n;
        if (!expr_eval(d, dbg_trim(args), &lo) || !expr_eval(d, rest[0] == '+' ? rest + 1 : rest, &n))
            return false;
        hi = rest[0] == '+' ? (uint64_t)lo + n : n;
        if (hi > MEMORY_END)
            return dbg_error(d, "0x%08" PRIx32 ",+%" PRIu32 " goes past the top of memory "
                             "(0xffffffff)", lo, n);
    } else {
        uint32_t at = dbg_pc(d);
        if (*args && !expr_eval(d, args, &at))
            return false;
        function_bounds(d, at, &lo, &hi);
    }
    lo &= ~3u;
    if (hi <= lo)
        return dbg_error(d, "empty range 0x%08" PRIx32 "..0x%08" PRIx64 " (START,END: END is "
                         "past START; or START,+LENGTH)", lo, hi);
    if (hi - lo > 4096 * 4)
        return dbg_error(d, "range 0x%08" PRIx32 "..0x%08" PRIx64 " is too long (at most 4096 "
                         "words)", lo, hi);
    char where[256];
    dbg_where(d, where, sizeof where, lo);
    fprintf(d->out, "Dump of assembler code from %s:\n", where);
    const char *last_file = NULL;
    int last_line = 0;
    for (uint64_t next = lo; next < hi; next += 4) {
        uint32_t a = (uint32_t)next;
        const char *file;
        int line;
        char text[256];
        if (dbg_image(d) && t32_image_line(dbg_image(d), a, &file, &line) &&
            (line != last_line || file != last_file)) {
            fprintf(d->out, "%s:%d\t%s\n", file, line,
                    source_line(file, line, text, sizeof text) ? text : "");
            last_file = file, last_line = line;
        }
        fprintf(d->out, "%s", a == dbg_pc(d) && dbg_alive(d) ? "" : "   ");
        show_insn(d, a, a == dbg_pc(d) && dbg_alive(d));
    }
    fprintf(d->out, "End of assembler dump.\n");
    return true;
}

/* ---- list, info line, info symbol --------------------------------------------------------- */

/* Lines first..last of the image's file number `file`, as far as the
 * file goes; then `list` goes on after them. */
static bool list_lines(debugger *d, int file, int first, int last)
{
    const char *name = dbg_image(d)->files[file];
    char text[256];
    int n = first;
    for (; n <= last && source_line(name, n, text, sizeof text); n++)
        fprintf(d->out, "%d\t%s\n", n, text);
    if (n == first) {
        int lines = source_lines(name);
        if (lines < 0)
            return dbg_error(d, "cannot read %s (the source of the image's line table)", name);
        return dbg_error(d, "line %d is out of range: \"%s\" has %d line%s", first, name, lines,
                         lines == 1 ? "" : "s");
    }
    d->list_file = file;
    d->list_first = first;
    d->list_line = n;
    return true;
}

/*
 * list, as gdb's:
 *   list            ten more lines (the first time after a stop: around it)
 *   list -          the ten before the last listing
 *   list LOC        ten around LOC (FILE:LINE, LINE, SYMBOL, *ADDR)
 *   list A,B        lines A to B (B a line number or a location in A's file)
 *   list A,  ,B     ten from A, ten ending at B
 */
bool dc_list(debugger *d, const char *fs, char *args)
{
    (void)fs;
    int file, line;
    if (!dbg_image(d))
        return dbg_error(d, "no image, so no source");
    char *comma = strchr(args, ',');
    if (comma) {
        *comma = '\0';
        char *a = dbg_trim(args), *b = dbg_trim(comma + 1);
        int first, last, bfile;
        if (!*a && !*b)
            return dbg_error(d, "expected 'list FIRST,LAST', 'list FIRST,' or 'list ,LAST'");
        if (*a && !expr_source_line(d, a, d->list_line ? d->list_file : -1, &file, &first))
            return false;
        if (*b) {
            if (!expr_source_line(d, b, *a ? file : (d->list_line ? d->list_file : -1), &bfile,
                                  &last))
                return false;
            if (*a && bfile != file)
                return dbg_error(d, "%s and %s are in different files", a, b);
            file = bfile;
        }
        if (!*a)
            first = last > 10 ? last - 9 : 1;
        else if (!*b)
            last = first + 9;
        if (last < first)
            return dbg_error(d, "line %d comes before line %d", last, first);
        return list_lines(d, file, first, last);
    }
    if (strcmp(args, "-") == 0) {
        if (d->list_line == 0)
            return dbg_error(d, "no listing yet to go back from: 'list' first");
        if (d->list_first <= 1)
            return dbg_error(d, "already at the start of %s", dbg_image(d)->files[d->list_file]);
        int first = d->list_first > 10 ? d->list_first - 10 : 1;
        return list_lines(d, d->list_file, first, d->list_first - 1);
    }
    if (*args || d->list_line == 0) {
        if (!expr_source_line(d, *args ? args : "$pc", -1, &file, &line))
            return false;
        int first = line > 5 ? line - 5 : 1, lines = source_lines(dbg_image(d)->files[file]);
        if (lines >= 0 && line > lines)
            first = line;           /* past the end: the error names the line asked for */
        return list_lines(d, file, first, first + 9);
    }
    return list_lines(d, d->list_file, d->list_line, d->list_line + 9);
}

bool dc_info_line(debugger *d, char *args)
{
    const t32_image *img = dbg_image(d);
    uint32_t a = dbg_pc(d);
    if (*args && !expr_location(d, args, &a))
        return false;
    const char *file;
    int line;
    if (!img || !t32_image_line(img, a, &file, &line))
        return dbg_error(d, "no line number information for address 0x%08" PRIx32, a);
    uint32_t start = 0, end = 0;
    for (size_t i = 0; i < img->nlines; i++) {
        if (img->lines[i].addr <= a && strcmp(img->files[img->lines[i].file], file) == 0 &&
            (int)img->lines[i].line == line)
            start = img->lines[i].addr;
        if (img->lines[i].addr > a && end == 0)
            end = img->lines[i].addr;
    }
    char s[256], e[256];
    dbg_where(d, s, sizeof s, start);
    dbg_where(d, e, sizeof e, end ? end : start + 4);
    fprintf(d->out, "Line %d of \"%s\" starts at address %s and ends at %s.\n", line, file, s, e);
    return true;
}

bool dc_info_symbol(debugger *d, char *args)
{
    uint32_t a, off = 0;
    if (!*args)
        return dbg_error(d, "argument required (an address)");
    if (!expr_eval(d, args, &a))
        return false;
    const char *sym = dbg_symbol(dbg_image(d), a, &off);
    if (!sym)
        fprintf(d->out, "No symbol matches %s.\n", args);
    else if (off)
        fprintf(d->out, "%s + %" PRIu32 "\n", sym, off);
    else
        fprintf(d->out, "%s\n", sym);
    return true;
}

/* ---- backtrace ------------------------------------------------------------------------------- */

static void frame_line(debugger *d, int n, uint32_t pc)
{
    char where[256];
    const char *file;
    int line;
    dbg_where(d, where, sizeof where, pc);
    fprintf(d->out, "#%-2d %s", n, where);
    if (dbg_image(d) && t32_image_line(dbg_image(d), pc, &file, &line))
        fprintf(d->out, " at %s:%d", file, line);
    fprintf(d->out, "\n");
}

static bool code_address(const debugger *d, uint32_t a)
{
    const t32_segment *seg = dbg_image(d) ? t32_image_segment_at(dbg_image(d), a) : NULL;
    return a && !(a & 3) && seg && (seg->flags & T32_SEG_X);
}

/* The frame convention (push lr; push fp; mov fp, sp ... pop fp; pop lr;
 * ret) leaves two stretches where fp is still, or again, the caller's:
 * the first three instructions of a function, and what follows its
 * `pop fp`.  There the fp chain starts one frame up and would leave out
 * the caller - the very case of `break inner`, `continue`, `backtrace`.
 * The missing return address is then in lr, except at the `pop lr`,
 * where it is the word at sp (lr may hold a return from a call made
 * since).  Returns whether pc is in such a stretch, with that address. */
static bool frame_not_set_up(debugger *d, uint32_t pc, uint32_t *ret)
{
    const uint32_t push_lr = T32_ENC_R(T32_OP_PUSH, T32_REG_LR, 0, 0),
                   push_fp = T32_ENC_R(T32_OP_PUSH, T32_REG_FP, 0, 0),
                   mov_fp = T32_ENC_R(T32_OP_ADD, T32_REG_FP, T32_REG_SP, 0),
                   pop_fp = T32_ENC_R(T32_OP_POP, T32_REG_FP, 0, 0),
                   pop_lr = T32_ENC_R(T32_OP_POP, T32_REG_LR, 0, 0);
    const t32_image *img = dbg_image(d);
    uint32_t off = 0, w[3];
    *ret = dbg_reg(d, T32_REG_LR);
    if (img && t32_image_symbolize(img, pc, &off) && off < 12 &&
        dbg_read_virt(d, pc - off, w, 12) && w[0] == push_lr && w[1] == push_fp && w[2] == mov_fp)
        return true;
    if (pc < 8 || !dbg_read_virt(d, pc - 8, w, 12))
        return false;
    if (w[1] == pop_fp && w[2] == pop_lr)
        return dbg_read_virt(d, dbg_reg(d, T32_REG_SP), ret, 4);
    return w[0] == pop_fp && w[1] == pop_lr;
}

/* Is lr, with no frame to confirm it, the return address of the call
 * that pc's function is running for?  A return address follows a call.
 * But a call that has come back leaves lr pointing just after it, in the
 * function that made it - `_start: call f` / `li r1, 0` leaves lr inside
 * _start, which has no caller.  Then pc has gone on from there: it lies
 * past lr, and either before the called function (f placed after
 * _start) or past both (f before _start) - never where it is while f
 * runs: in f, at or past its start and not past lr on the way there.  An
 * indirect call's target is unknown: there only lr == pc is ruled out. */
static bool lr_is_caller(debugger *d, uint32_t lr, uint32_t pc)
{
    uint32_t call;
    if (!code_address(d, lr) || lr == pc || !dbg_read_virt(d, lr - 4, &call, 4))
        return false;
    if (T32_OPC(call) == T32_OP_JALR && T32_FA(call) == T32_REG_LR)
        return true;
    if (T32_OPC(call) != T32_OP_JAL)
        return false;
    uint32_t target = lr - 4 + 4u * T32_OFF24(call);
    return target <= pc && !(target < lr && lr < pc);
}

/* One frame found: shown (frame_line), or only counted (show NULL). */
typedef void frame_fn(debugger *d, int n, uint32_t pc);

static void add_frame(debugger *d, int *n, uint32_t pc, frame_fn *show)
{
    if (show)
        show(d, *n, pc);
    ++*n;
}

/* The call chain, at most `limit` frames past frame 0; returns how many
 * frames it has.  Frame 0 is the pc.  With a frame pointer (r13 != 0) the
 * chain is followed: a function that keeps one pushes lr, then fp, then
 * sets fp := sp, so the word at fp is the caller's fp and the word at
 * fp + 4 the return address.  Without one, lr is the only caller we can
 * know. */
static int walk_frames(debugger *d, uint32_t limit, frame_fn *show)
{
    int n = 0;
    add_frame(d, &n, dbg_pc(d), show);
    uint32_t fp = dbg_reg(d, T32_REG_FP), lr = dbg_reg(d, T32_REG_LR);
    uint32_t missing;
    if (frame_not_set_up(d, dbg_pc(d), &missing)) {
        if (code_address(d, missing) && n < (int)limit)
            add_frame(d, &n, missing, show);
    } else if (fp == 0) {
        if (lr_is_caller(d, lr, dbg_pc(d)) && limit > 1)
            add_frame(d, &n, lr, show);
        return n;
    }
    while (fp && n < (int)limit) {
        uint32_t words[2];
        if (!dbg_read_virt(d, fp, words, 8) || !code_address(d, words[1]))
            break;
        add_frame(d, &n, words[1], show);
        if (words[0] != 0 && words[0] <= fp)
            break;                  /* a chain must go up the stack */
        fp = words[0];
    }
    return n;
}

bool dbg_has_caller(debugger *d)
{
    return walk_frames(d, 2, NULL) > 1;
}

bool dc_backtrace(debugger *d, const char *fs, char *args)
{
    (void)fs;
    uint32_t limit = 64;
    if (*args && !expr_eval(d, args, &limit))
        return false;
    if (limit > INT32_MAX)      /* -1 would be four billion frames: every one */
        return dbg_error(d, "a frame count must not be negative, not %s", args);
    if (!dbg_alive(d))
        return dbg_error(d, "no stack: the guest is not running");
    walk_frames(d, limit, frame_line);
    return true;
}

/* ---- registers --------------------------------------------------------------------------- */

static void psr_bits(char *buf, size_t len, uint32_t psr)
{
    snprintf(buf, len, "[%s%s%s%s%s%s ]", psr & T32_PSR_N ? " N" : "", psr & T32_PSR_Z ? " Z" : "",
             psr & T32_PSR_C ? " C" : "", psr & T32_PSR_V ? " V" : "",
             psr & T32_PSR_IE ? " IE" : "", psr & T32_PSR_K ? " K" : "");
}

static void reg_line(debugger *d, const char *name, uint32_t v)
{
    char extra[64] = "";
    if (strcmp(name, "psr") == 0 || strcmp(name, "epsr") == 0)
        psr_bits(extra, sizeof extra, v);
    else if (strcmp(name, "cause") == 0)
        snprintf(extra, sizeof extra, "%s", t32_cause_name((t32_cause)v));
    else if (strcmp(name, "pc") == 0 || strcmp(name, "lr") == 0 || strcmp(name, "tvec") == 0 ||
             strcmp(name, "epc") == 0)
        dbg_where(d, extra, sizeof extra, v);
    else
        snprintf(extra, sizeof extra, "%" PRId32, (int32_t)v);
    fprintf(d->out, "%-10s 0x%08" PRIx32 "  %s\n", name, v, extra);
}

static const char *const gpr_shown[] = {
    "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12",
    "fp", "sp", "lr", "pc", "psr", NULL
};

bool dc_info_registers(debugger *d, char *args)
{
    char *w;
    uint32_t v;
    if (!*args) {
        for (int i = 0; gpr_shown[i]; i++) {
            dbg_reg_by_name(d, gpr_shown[i], &v);
            reg_line(d, gpr_shown[i], v);
        }
        if (d->v)
            fprintf(d->out, "(a VM's psr is virtual: K and IE as the guest believes them; "
                    "info vcpu shows the real CPU's)\n");
        return true;
    }
    while ((w = dbg_word(&args)) != NULL) {
        const char *name = w[0] == '$' ? w + 1 : w;
        if (!dbg_reg_by_name(d, name, &v))
            return dbg_error(d, "invalid register '%s'", w);
        reg_line(d, name, v);
    }
    return true;
}

bool dc_info_sysregs(debugger *d, char *args)
{
    (void)args;
    for (int n = 0; n < T32_NSYSREGS; n++)
        reg_line(d, t32_sysreg_name((unsigned)n), dbg_sysreg(d, n));
    return true;
}

/* info state: one line that two equal states print alike - for checking
 * that a reverse step lands exactly where forward execution was. */
bool dc_info_state(debugger *d, char *args)
{
    (void)args;
    uint64_t h = 1469598103934665603u;
    for (int r = 0; r < 16; r++)
        h = (h ^ dbg_reg(d, r)) * 1099511628211u;
    h = (h ^ dbg_pc(d)) * 1099511628211u;
    h = (h ^ dbg_psr(d)) * 1099511628211u;
    for (int n = 0; n < T32_NSYSREGS; n++)
        h = (h ^ dbg_sysreg(d, n)) * 1099511628211u;
    fprintf(d->out, "cycle %" PRIu64 " pc 0x%08" PRIx32 " state %016" PRIx64 " memory %016"
            PRIx64, dbg_time(d), dbg_pc(d), h, dbg_memhash(d));
    /* The cycle is the selected vCPU's own; reverse execution counts the
     * VM's time, vCPU 0's (reverse.h): say it when the two can differ. */
    if (d->v && d->vcpu != 0)
        fprintf(d->out, " (vcpu%d; vm time %" PRIu64 ")", d->vcpu, vmm_vm_time(dbg_vm(d)));
    fprintf(d->out, "\n");
    return true;
}
