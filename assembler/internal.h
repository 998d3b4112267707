/*
 * internal.h - the assembler's shared state, private to assembler/.
 *
 * One `as_state` lives for one assembly.  Its parts, and the file that owns
 * each:
 *
 *   diag.c       diagnostics: GCC-style messages with source line and caret
 *   lex.c        the lexer: one line of text -> tokens, on demand
 *   expr.c       expressions: C operators and precedence over 64-bit values
 *   symbols.c    the symbol table and numeric local labels (1: 1b 1f)
 *   sections.c   .text/.data/.bss, the location counter, emitting bytes
 *   encode.c     instructions and pseudo-instructions -> words
 *   directives.c every .directive
 *   source.c     files, .include, and one line: where lines come from
 *   macro.c      .macro/.endm and expansion
 *   cond.c       .if/.ifdef/.ifndef/.else/.endif
 *   assemble.c   the passes, and turning the result into an image
 *   listing.c    the -l listing and the -m symbol map
 *
 * How the passes work.  Every pass reads the whole program.  A symbol used
 * before its definition gets the value it had at the end of the previous
 * pass (unknown in pass 1).  Instruction sizes never depend on such forward
 * values (li uses its short form only for constants defined earlier), so
 * pass 2 normally computes the same addresses as pass 1 and every forward
 * reference is right.  A pass is *final* when nothing moved: the section
 * addresses it used are the ones it computed, and every symbol ended with
 * the value it had after the previous pass.  Only the final pass's
 * diagnostics, bytes and listing are kept.
 */
#ifndef ASM_INTERNAL_H
#define ASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "asm.h"
#include "t32.h"

/* ---- limits: untrusted input must not exhaust time or memory ------------ */

#define AS_MAX_PASSES        6
#define AS_MAX_INCLUDE_DEPTH 32
#define AS_MAX_MACRO_DEPTH   64
#define AS_MAX_LINES         1000000u      /* lines processed in one pass */
#define AS_MAX_TEXT          (128u << 20)  /* bytes of lines processed in one pass */
#define AS_MAX_FILE          (64u << 20)   /* bytes in one source file */
#define AS_DEFAULT_MAX_ERRORS 20
#define AS_TEXT_BASE         0x1000u

/* ---- where a line came from --------------------------------------------- */

/* A frame is a file being read or a macro being expanded.  Frames form a
 * chain from the innermost outwards, which is what diagnostics print as
 * "in expansion of macro" and "included from" notes. */
typedef struct as_frame {
    const char *file;        /* the file this frame's lines are written in */
    int line;                /* current line number in `file` */
    const char *macro;       /* name of the macro being expanded, or NULL */
    int cond_depth;          /* conditional nesting when the frame began */
    struct as_frame *parent;
    int parent_line;         /* line of the parent that opened this frame */
    int parent_col;
} as_frame;

/* ---- tokens -------------------------------------------------------------- */

typedef enum tok_kind {
    T_EOL,       /* end of the statement (end of line or comment) */
    T_IDENT,     /* name: symbol, register, mnemonic, .directive */
    T_NUM,       /* integer or character literal; value in `num` */
    T_LOCAL,     /* 1b / 1f: `num` is the label number, `fwd` the direction */
    T_STR,       /* "string": text[pos+1 .. pos+len-1) still has escapes */
    T_PUNCT,     /* operator or punctuation: `op` */
    T_ERROR      /* a lexical error, already reported */
} tok_kind;

/* Two-character operators; single characters are their own code. */
enum { OP_SHL = 256, OP_SHR, OP_LE, OP_GE, OP_EQ, OP_NE, OP_ANDAND, OP_OROR };

typedef struct token {
    tok_kind kind;
    int op;          /* T_PUNCT */
    size_t pos, len; /* where in the line (pos is 0-based) */
    int64_t num;     /* T_NUM, T_LOCAL */
    bool fwd;        /* T_LOCAL */
} token;

typedef struct as_state as_state;

/* A lexer is just a position in the current line: copying it saves it. */
typedef struct lexer {
    as_state *as;
    const char *s;
    size_t len, pos;
    bool quiet;      /* a look-ahead copy: report nothing */
} lexer;

/* ---- values ----------------------------------------------------------------- */

typedef struct value {
    int64_t v;
    bool known;      /* false only for a forward reference in pass 1 */
    bool constant;   /* built from numbers and constants only, no addresses */
    bool absolute;   /* the same, but a symbol defined further down counts as
                        what it was in the last pass: not for sizes (li),
                        which must not wait for it, but for the kind the
                        image and the map give a .equ (a constant or an
                        address), which the final pass decides */
} value;

/* expr() flags */
#define EXPR_NOW 1   /* the value decides sizes: only earlier definitions count */

/* ---- symbols ------------------------------------------------------------------ */

typedef enum sym_kind { SYM_LABEL, SYM_EQU, SYM_SET } sym_kind;

typedef struct symbol {
    char *name;
    sym_kind kind;
    int section;             /* for labels: index into as->sec */
    int64_t value;
    bool constant, absolute;  /* (value's) */
    bool failed;             /* a .equ/.set whose value was an error: it reads as
                                0, and a later definition is no "redefinition" */
    int pass;                /* pass in which `value` was last set (0: never) */
    int64_t prev_value;      /* value at the end of the previous pass */
    bool prev_defined, prev_absolute;
    bool global;
    const char *def_file;    /* where it was defined, for "previous definition" */
    int def_line, def_col;
    const char *glob_file;   /* where .global named it */
    int glob_line, glob_col;
    struct macro *macro;     /* the macro of this name, if any (macro.c) */
    struct symbol **deps;    /* .equ/.set: the symbols its value was read from, this pass */
    size_t ndeps, capdeps;
    bool waits;              /* .equ/.set: depends, through deps, on a symbol not yet defined */
    struct symbol *via;      /* cycle search: the symbol it was reached from */
    unsigned long seen;      /* cycle search: the last search that reached it */
    struct symbol *next;     /* hash chain */
    size_t order;            /* creation order, for a stable output */
} symbol;

/* Whether a symbol's value has a 32-bit form (-2^31..2^32-1, a negative one
 * as its two's complement): only those go into an image's symbol table,
 * whose values are 32 bits.  A bigger constant lives in the source only. */
static inline bool sym_fits_32_bits(const symbol *s)
{
    return s->value >= INT32_MIN && s->value <= (int64_t)UINT32_MAX;
}

typedef struct local_label {
    int64_t num;
    int64_t *cur, *prev;     /* definition addresses this pass / last pass */
    size_t ncur, capcur, nprev;
} local_label;

/* ---- sections ------------------------------------------------------------------- */

enum { SEC_TEXT, SEC_DATA, SEC_BSS, SEC_COUNT };

/* A run of contiguous bytes of one section (an .org forward starts a new one). */
typedef struct chunk {
    uint32_t start;
    uint64_t size;
    uint8_t *bytes;          /* NULL for .bss */
    size_t cap;
} chunk;

/* A label defined where its chunk holds nothing yet: a named label, or
 * the def-th definition this pass of the local label as->locals[local]. */
typedef struct label_ref {
    symbol *sym;             /* NULL: a local label */
    size_t local, def;
} label_ref;

typedef struct section {
    const char *name;
    uint32_t flags;          /* T32_SEG_* */
    uint32_t base;           /* where it starts unless an .org places it */
    chunk *chunks;
    size_t nchunks;
    label_ref *waiting;      /* labels on the last chunk while it is empty */
    size_t nwaiting, capwaiting;
} section;

/* ---- macros -------------------------------------------------------------------- */

typedef struct macro {
    char *name;
    char **params, **defaults;
    size_t nparams;
    char **body;             /* lines, without the .macro/.endm lines */
    size_t nbody, capbody;
    const char *file;        /* where it was defined */
    int line, col;           /* line of the .macro directive, column of the name */
    struct macro *next;
} macro;

/* An open .if: is its current branch on, has a branch been taken, was
 * .else seen, and where it was opened (for "unterminated" errors). */
typedef struct cond {
    bool active, taken, seen_else;
    const char *file;
    int line, col;
} cond;

/* ---- the line table and listing ------------------------------------------------ */

typedef struct line_entry {
    uint32_t addr;
    int file;                /* index into as->files */
    int line;
    int sec;                 /* the section its bytes went to */
} line_entry;

/* A loaded source file, kept for every pass. */
typedef struct source_file {
    char *path;
    char *text;
    size_t len;
    struct source_file *next;
} source_file;

/* ---- the whole state ------------------------------------------------------------ */

struct as_state {
    const asm_options *opt;
    int pass;                        /* 1, 2, ... */
    bool stop;                       /* too many errors: abandon this pass */

    /* Diagnostics of the current pass go to a memory buffer; the final
     * pass's buffer is what the user sees. */
    FILE *diag;
    char *diagbuf;
    size_t diaglen;
    int errors, warnings;
    int define_errors;               /* of them, in a -D (define_one) */

    /* The current statement. */
    as_frame *frame;
    const char *line;                /* its text (NUL-terminated copy) */
    size_t linelen;
    unsigned long lines_seen;
    uint64_t text_seen;              /* bytes of those lines */
    int list_unit;                   /* bytes per value, for the listing */

    /* Symbols. */
    symbol **symtab;
    size_t symcap, nsyms;
    local_label *locals;
    size_t nlocals, caplocals;
    size_t *local_index;             /* hash of label number -> locals index + 1 */
    size_t local_index_cap;
    bool moved;                      /* a symbol's value changed since last pass */
    bool moved_label;                /* ... a label's (or a numeric local label's) */
    struct symbol *moved_equ;        /* ... the .equ/.set that did, on the lowest line */
    bool collecting;                 /* expr() notes symbols it reads (for .equ) */
    symbol **collect;                /* ... here */
    size_t ncollect, capcollect;
    unsigned long searches;          /* cycle searches so far */

    /* Sections. */
    section sec[SEC_COUNT];
    int cur;                         /* current section */
    uint64_t stored;                 /* bytes stored in all sections */
    bool in_data;                    /* a directive is storing bytes: data, not code */
    t32_range *data;                 /* bytes of .text stored by directives, this pass */
    size_t ndata, capdata;

    /* .entry EXPR of this pass (the final pass's is used; -e wins). */
    bool entry_set;
    value entry;
    const char *entry_file;          /* where it was written, for messages */
    int entry_line, entry_col;

    /* Macros and conditionals. */
    macro *macros;
    macro *defining;                 /* between .macro and .endm */
    int def_nesting;                 /* nested .macro inside a definition */
    int macro_depth, include_depth;
    unsigned long expansions;        /* for \@ */
    struct cond *conds;              /* one entry per open .if */
    int cond_depth, cond_cap;
    int skip_depth;                  /* > 0: inside a false branch */

    /* Source files (cached across passes) and the file-name table. */
    source_file *sources;
    char **files;
    size_t nfiles, capfiles;

    /* Line table and listing of the current pass. */
    line_entry *lines;
    size_t nlines, caplines;
    FILE *listing;
    const char *list_file;           /* file of the last listed line */
    char *listbuf;
    size_t listlen;
};

/* ---- diag.c ----------------------------------------------------------------------- */

typedef enum diag_kind { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_kind;

/* Room for one more element in a growable array of `n` used slots out of
 * *cap, each `size` bytes: returns the array (moved, with *cap doubled -
 * `first` slots the first time - when it was full), or NULL with nothing
 * changed if memory runs out.  Usage:
 *     item *p = as_grow(a->items, &a->cap, a->n, sizeof *p, 16);
 *     if (!p) return false;
 *     a->items = p;                                                       */
static inline void *as_grow(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return items;
    size_t want = *cap ? *cap * 2 : first;
    if (want > SIZE_MAX / size)
        return NULL;
    void *p = realloc(items, want * size);
    if (p)
        *cap = want;
    return p;
}

/* Report at column `pos` (0-based) of the current line, with `len`
 * characters underlined (at least a caret). */
void as_diag(as_state *as, diag_kind kind, size_t pos, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define as_error(as, tok, ...)   as_diag((as), DIAG_ERROR, (tok).pos, (tok).len, __VA_ARGS__)
#define as_warning(as, tok, ...) as_diag((as), DIAG_WARNING, (tok).pos, (tok).len, __VA_ARGS__)

/* A message about a place other than the current line - the .if that an
 * end of file leaves open, the .global never defined - given as file,
 * line and column (`x.s:3:5: error: ...`; col 0: no column, line 0: the
 * file as a whole). */
void as_diag_at(as_state *as, diag_kind kind, const char *file, int line, int col,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define as_diag_plain(as, kind, file, line, ...) as_diag_at((as), (kind), (file), (line), 0, \
                                                            __VA_ARGS__)

/* Levenshtein distance between two names, for "did you mean" hints. */
int edit_distance(const char *a, const char *b);
/* How good a guess `candidate` is for the mistyped `typed` (lower is better),
 * or -1 if it is more than max_distance edits away. */
int typo_score(const char *typed, const char *candidate, int max_distance);

/* ---- lex.c -------------------------------------------------------------------------- */

/* Start lexing the line s[0..len). */
void lx_init(lexer *lx, as_state *as, const char *s, size_t len);
/* The next token (T_EOL at the end or at a comment, forever after). */
token lx_next(lexer *lx);
bool lx_is_name(const char *s, size_t len);   /* s[0..len) spells one name */
/* The next token without consuming it (and without reporting errors). */
token lx_peek(const lexer *lx);
bool lx_is(token t, int op);                  /* T_PUNCT with this op */
bool lx_accept(lexer *lx, int op);            /* consume if the next token is op */
/* Copy the token's text into buf (truncated); returns its full length. */
size_t lx_text(const lexer *lx, token t, char *buf, size_t bufsize);
bool tok_is_name(const lexer *lx, token t, const char *name);
void lx_skip_labels(lexer *lx);                /* past `name:` and `1:`, defining nothing */
/* The token for a message: 'text' (quoted, shortened) or "end of line". */
const char *tok_describe(const lexer *lx, token t, char *buf, size_t bufsize);
/* Decode a T_STR token (already validated by the lexer) into bytes;
 * *out is malloc'd with room for one more byte.  False if out of memory. */
bool lx_string(const lexer *lx, token t, uint8_t **out, size_t *outlen);
int  as_register(const char *name);           /* 0..15, or -1 */

/* ---- expr.c ------------------------------------------------------------------------- */

/* Parse and evaluate one expression.  Returns false on error (reported).
 * `start` (optional) receives the first token, for later messages. */
bool expr(as_state *as, lexer *lx, int flags, value *out, token *start);

/* ---- symbols.c ---------------------------------------------------------------------- */

symbol *sym_find(as_state *as, const char *name);         /* NULL if never seen */
symbol *sym_get(as_state *as, const char *name);          /* find or create */
/* Define a symbol (label or .equ/.set) in this pass; reports redefinitions. */
bool sym_define(as_state *as, token at, const char *name, sym_kind kind, value v);
/* Has the symbol been given a value in the current pass (so far)? */
bool sym_defined_now(const as_state *as, const symbol *s);
/* Pass boundaries: begin starts the local-label lists afresh; end
 * remembers every value for forward references and sets as->moved. */
void sym_begin_pass(as_state *as);
void sym_end_pass(as_state *as);
void sym_free_all(as_state *as);
/* Numeric local labels: define `num:` here (*ref names the definition);
 * resolve a `1b`/`1f` token. */
bool local_define(as_state *as, int64_t num, int64_t addr, label_ref *ref);
bool local_ref(as_state *as, token t, value *out, int flags);
symbol **sym_sorted(as_state *as);                        /* malloc'd, by creation */
/* Circular .equ.  While as->collecting, expr() passes each symbol it reads
 * to sym_note_dep.  sym_cycle then tells whether defining `name` from them
 * closes a cycle (writing it, "b -> a -> b", into buf); sym_keep_deps
 * stores them in the symbol just defined, for later searches. */
void sym_note_dep(as_state *as, symbol *s);
bool sym_cycle(as_state *as, const char *name, char *buf, size_t size);
void sym_keep_deps(as_state *as, symbol *s);
const char *sym_closest(as_state *as, const char *name);  /* a likely typo's target */

/* ---- sections.c --------------------------------------------------------------------- */

/* Start a pass: every section empty, at its default address `base`. */
void sec_begin_pass(as_state *as, const uint32_t base[SEC_COUNT]);
uint32_t sec_here(const as_state *as);                    /* the location counter */
size_t   sec_pieces(const as_state *as);                  /* chunks that hold bytes: segments */
uint64_t sec_here64(const as_state *as);                  /* the same, unwrapped */
uint32_t sec_chunk_start(const as_state *as);             /* of the current chunk */
/* Store bytes (or one little-endian word) at the location counter;
 * false (reported) in .bss, past 2^32 or past the size limit. */
bool sec_emit(as_state *as, token at, const void *bytes, size_t n);
bool sec_emit_word(as_state *as, token at, uint32_t w);
/* n bytes of `fill` (.space, .align); in .bss only reserves. */
bool sec_fill(as_state *as, token at, uint64_t n, uint8_t fill);
/* Data ranges of .text (bytes stored while as->in_data), merged, in order. */
bool sec_note_data(as_state *as, uint32_t addr, uint64_t n);
/* .org: move the location counter to addr (forward only, once bytes exist). */
bool sec_org(as_state *as, token at, int64_t addr);
/* A label was just defined at the location counter.  If its chunk is
 * still empty, an .org may yet move the chunk, and the label names its
 * first byte wherever that goes: until the chunk's place is settled (its
 * first byte, the end of the pass) the label holds LABEL_AT_START(section)
 * instead of an address, which sec_label_value reads as the chunk's start.
 * False (out of memory, reported) if it cannot be noted. */
#define LABEL_AT_START(sec) (-1 - (int64_t)(sec))
bool sec_label_defined(as_state *as, token at, label_ref ref);
/* A label's value as an expression reads it: `stored`, or for a label
 * still waiting, where it settled in the last pass (`prev`; NULL in its
 * first pass: then where its chunk starts now). */
int64_t sec_label_value(const as_state *as, int64_t stored, const int64_t *prev);
/* The same for an operand, with the rule for a value needed now (EXPR_NOW
 * in flags: a size, an .org): a waiting label whose .org would move it
 * has none yet - false, reported at t, which shows as `shown`. */
bool sec_label_read(as_state *as, token t, const char *shown, int64_t stored,
                    const int64_t *prev, int flags, int64_t *v);
/* The end of a pass: every label holds its address. */
void sec_end_pass(as_state *as);
/* The default addresses the next pass should use (IMAGE.md's layout). */
void sec_layout(const as_state *as, uint32_t base[SEC_COUNT]);
/* Report overlapping pieces of sections; false if any. */
bool sec_check_overlap(as_state *as, const char *file);
void sec_free_all(as_state *as);

/* ---- encode.c ----------------------------------------------------------------------- */

/* Assemble an instruction or pseudo-instruction whose mnemonic is `mn`. */
bool encode_insn(as_state *as, lexer *lx, token mn, const char *name);

/* How a value must fit a field of `bits` bits. */
typedef enum fit_mode {
    FIT_SIGNED,     /* -2^(bits-1) .. 2^(bits-1)-1 */
    FIT_UNSIGNED,   /* 0 .. 2^bits-1 */
    FIT_EITHER      /* either reading: -2^(bits-1) .. 2^bits-1 (data, ports) */
} fit_mode;

/* Check that v fits; if not, report an error naming the field (`what`)
 * and its range.  Returns the low `bits` bits either way. */
uint32_t fit_field(as_state *as, token at, value v, int bits, fit_mode mode, const char *what);

/* ---- directives.c -------------------------------------------------------------------- */

/* Handle the directive `name` (starting with '.'); false if unknown. */
bool directive(as_state *as, lexer *lx, token dir, const char *name);

/* ---- source.c, macro.c, cond.c ------------------------------------------------------------------------ */

/* Read a file and process every line of it in a new frame. */
bool src_include(as_state *as, const char *path, token at, bool search);
/* At the end of a frame: report unterminated .if and .macro. */
void src_end_frame(as_state *as, as_frame *f);
/* Process one line of the current frame (labels, statement, conditionals). */
void src_line(as_state *as, const char *text, size_t len);
/* macro.c: definition (begin, then each line recorded until .endm) and expansion. */
void macro_begin(as_state *as, lexer *lx, token dir);
void macro_record(as_state *as, const char *text, size_t len);
macro *macro_find(as_state *as, const char *name);
void macro_expand(as_state *as, lexer *lx, macro *m, token name);
void macro_free_all(as_state *as);
void src_free_all(as_state *as);
/* A file that exists only in memory (asm_assemble_string). */
source_file *src_add_memory(as_state *as, const char *name, const char *text, size_t len);
/* cond.c: .if and friends.  cond_directive handles the directive `name`
 * if it is a conditional (returning true); cond_active says whether lines
 * are being assembled. */
bool cond_directive(as_state *as, lexer *lx, token dir, const char *name);
bool cond_is_directive(const char *name);       /* .if .ifdef .ifndef .else .endif */
bool cond_active(const as_state *as);
void cond_push(as_state *as, bool taken, token dir);
void cond_else(as_state *as, token at);
void cond_endif(as_state *as, token at);
int  file_index(as_state *as, const char *file);

/* ---- listing.c ----------------------------------------------------------------------- */

/* List the current line: `addr0` and `size` describe what it emitted in
 * section `sec` (start address and bytes); `show_addr` prints addr0 even
 * when nothing was emitted (a label).  Does nothing without -l. */
void list_statement(as_state *as, int sec, uint32_t addr0, uint64_t size, bool show_addr);
/* Write the symbol map (-m): every defined symbol, sorted by value. */
void list_symbol_map(as_state *as, FILE *out);

/* ---- assemble.c ---------------------------------------------------------------------- */

/* Record a line-table entry: the current line produced the bytes at `addr`. */
void as_note_line(as_state *as, uint32_t addr);

#endif /* ASM_INTERNAL_H */
