/*
 * symbols.c - the symbol table and numeric local labels.
 *
 * A symbol remembers two values: the one set in the current pass, and the
 * one it had at the end of the previous pass.  A use before the definition
 * (a forward reference) reads the previous one.  At the end of a pass we
 * compare them: if any symbol moved, the pass was not final and another
 * one runs (see internal.h).
 *
 * Numeric local labels (`1:`, used as `1b` and `1f`) may be defined many
 * times.  For each number we keep the list of definition addresses in this
 * pass and in the previous one: `1b` is the latest definition so far, `1f`
 * is the next one - found in the previous pass's list by position.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static size_t hash(const char *s)
{
    size_t h = 2166136261u;                 /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

symbol *sym_find(as_state *as, const char *name)
{
    if (!as->symcap)
        return NULL;
    for (symbol *s = as->symtab[hash(name) & (as->symcap - 1)]; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* Double the bucket array when the table gets crowded. */
static bool rehash(as_state *as)
{
    size_t cap = as->symcap ? as->symcap * 2 : 256;
    symbol **t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < as->symcap; i++)
        for (symbol *s = as->symtab[i], *next; s; s = next) {
            next = s->next;
            s->next = t[hash(s->name) & (cap - 1)];
            t[hash(s->name) & (cap - 1)] = s;
        }
    free(as->symtab);
    as->symtab = t;
    as->symcap = cap;
    return true;
}

symbol *sym_get(as_state *as, const char *name)
{
    symbol *s = sym_find(as, name);
    if (s)
        return s;
    if (as->nsyms >= as->symcap / 2 && !rehash(as))
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->name = malloc(strlen(name) + 1))) {
        free(s);
        return NULL;
    }
    strcpy(s->name, name);
    s->order = as->nsyms++;
    size_t b = hash(name) & (as->symcap - 1);
    s->next = as->symtab[b];
    as->symtab[b] = s;
    return s;
}

bool sym_defined_now(const as_state *as, const symbol *s)
{
    return s->pass == as->pass;
}

bool sym_define(as_state *as, token at, const char *name, sym_kind kind, value v)
{
    if (as_register(name) >= 0) {
        as_error(as, at, "'%s' is a register name and cannot be used as a symbol", name);
        return false;
    }
    symbol *s = sym_get(as, name);
    if (!s) {
        as_error(as, at, "out of memory");
        return false;
    }
    if (sym_defined_now(as, s) && !s->failed && !(kind == SYM_SET && s->kind == SYM_SET)) {
        as_error(as, at, "redefinition of '%s'", name);
        as_diag_at(as, DIAG_NOTE, s->def_file, s->def_line, s->def_col,
                   "previous definition of '%s' was here", name);
        return false;
    }
    s->kind = kind;
    s->section = as->cur;
    s->value = v.v;
    s->failed = false;
    s->constant = v.constant && kind != SYM_LABEL;
    s->absolute = v.absolute && kind != SYM_LABEL;
    s->pass = as->pass;
    s->def_file = as->frame->file;
    s->def_line = as->frame->line;
    s->def_col = (int)at.pos + 1;
    return true;
}

/* The slot of the local-label index where `num` is, or would go. */
static size_t *local_slot(const as_state *as, int64_t num)
{
    size_t mask = as->local_index_cap - 1;
    size_t h = (size_t)((uint64_t)num * 0x9e3779b97f4a7c15ull >> 20) & mask;
    for (;; h = (h + 1) & mask) {
        size_t k = as->local_index[h];
        if (k == 0 || as->locals[k - 1].num == num)
            return &as->local_index[h];
    }
}

static local_label *local_find(const as_state *as, int64_t num)
{
    if (!as->local_index_cap)
        return NULL;
    size_t k = *local_slot(as, num);
    return k ? &as->locals[k - 1] : NULL;
}

/* Keep the index at most half full. */
static bool local_index_grow(as_state *as)
{
    size_t cap = as->local_index_cap ? as->local_index_cap * 2 : 64;
    size_t *index = calloc(cap, sizeof *index);
    if (!index)
        return false;
    free(as->local_index);
    as->local_index = index;
    as->local_index_cap = cap;
    for (size_t i = 0; i < as->nlocals; i++)
        *local_slot(as, as->locals[i].num) = i + 1;
    return true;
}

static local_label *local_new(as_state *as, int64_t num)
{
    local_label *p = as_grow(as->locals, &as->caplocals, as->nlocals, sizeof *p, 16);
    if (!p)
        return NULL;
    as->locals = p;
    if ((as->nlocals + 1) * 2 > as->local_index_cap && !local_index_grow(as))
        return NULL;
    local_label *l = &as->locals[as->nlocals++];
    *l = (local_label){ .num = num };
    *local_slot(as, num) = as->nlocals;
    return l;
}

bool local_define(as_state *as, int64_t num, int64_t addr, label_ref *ref)
{
    local_label *l = local_find(as, num);
    if (!l && !(l = local_new(as, num)))
        return false;
    int64_t *p = as_grow(l->cur, &l->capcur, l->ncur, sizeof *p, 8);
    if (!p)
        return false;
    l->cur = p;
    l->cur[l->ncur++] = addr;
    *ref = (label_ref){ .local = (size_t)(l - as->locals), .def = l->ncur - 1 };
    return true;
}

bool local_ref(as_state *as, token t, value *out, int flags)
{
    local_label *l = local_find(as, t.num);
    *out = (value){ 0, true, false, false };
    if (!t.fwd) {
        if (l && l->ncur) {
            size_t i = l->ncur - 1;
            char shown[32];
            snprintf(shown, sizeof shown, "%lldb", (long long)t.num);
            return sec_label_read(as, t, shown, l->cur[i], i < l->nprev ? &l->prev[i] : NULL,
                                  flags, &out->v);
        }
        as_error(as, t, "no local label '%lld:' before this point", (long long)t.num);
        return false;
    }
    if (flags & EXPR_NOW) {
        as_error(as, t, "forward reference '%lldf' cannot be used here: the value is needed now",
                 (long long)t.num);
        return false;
    }
    size_t index = l ? l->ncur : 0;
    if (l && index < l->nprev) {
        out->v = l->prev[index];
        return true;
    }
    if (as->pass == 1) {
        out->known = false;
        return true;
    }
    as_error(as, t, "no local label '%lld:' after this point", (long long)t.num);
    return false;
}

void sym_begin_pass(as_state *as)
{
    /* This pass's local label lists start empty; the last pass's become
     * the reference for forward uses. */
    for (size_t i = 0; i < as->nlocals; i++) {
        local_label *l = &as->locals[i];
        free(l->prev);
        l->prev = l->cur;
        l->nprev = l->ncur;
        l->cur = NULL;
        l->ncur = l->capcur = 0;
    }
}

/* s moved.  Of the .equ/.set symbols that moved, the one defined on the
 * lowest line is named if the passes run out: in a chain of forward
 * references it is the first link, the one still waiting for the rest. */
static void note_moved(as_state *as, symbol *s)
{
    as->moved = true;
    if (s->kind == SYM_LABEL)
        as->moved_label = true;
    else if (!as->moved_equ || s->def_line < as->moved_equ->def_line)
        as->moved_equ = s;
}

void sym_end_pass(as_state *as)
{
    as->moved = as->moved_label = false;
    as->moved_equ = NULL;
    for (size_t b = 0; b < as->symcap; b++)
        for (symbol *s = as->symtab[b]; s; s = s->next) {
            bool now = sym_defined_now(as, s);
            if (now != s->prev_defined ||
                (now && (s->value != s->prev_value || s->absolute != s->prev_absolute)))
                note_moved(as, s);
            s->prev_defined = now;
            s->prev_value = s->value;
            s->prev_absolute = s->absolute;
        }
    for (size_t i = 0; i < as->nlocals; i++) {
        local_label *l = &as->locals[i];
        if (l->ncur != l->nprev ||
            (l->ncur && memcmp(l->cur, l->prev, l->ncur * sizeof *l->cur) != 0))
            as->moved = as->moved_label = true;
    }
}

void sym_free_all(as_state *as)
{
    for (size_t b = 0; b < as->symcap; b++)
        for (symbol *s = as->symtab[b], *next; s; s = next) {
            next = s->next;
            free(s->deps);
            free(s->name);
            free(s);
        }
    free(as->symtab);
    for (size_t i = 0; i < as->nlocals; i++) {
        free(as->locals[i].cur);
        free(as->locals[i].prev);
    }
    free(as->locals);
    free(as->local_index);
    free(as->collect);
}

/* ---- circular .equ ----------------------------------------------------------
 *
 * `.equ a, b` then `.equ b, a` has no value: each pass would give a the
 * value b had at the end of the previous pass, and the two chase each
 * other (or sit at 0) for ever.  So each .equ/.set remembers the symbols
 * its value was read from, and a definition that would reach itself
 * through them is an error.  Such a cycle always passes through a forward
 * reference (a symbol read before its definition in this pass), so the
 * search only follows symbols that `wait` on one: usually none at all. */

#define CYCLE_SEARCH_MAX 4096    /* symbols one search visits, at most */

void sym_note_dep(as_state *as, symbol *s)
{
    /* A label or a .set defined above has a settled value: no cycle
     * through it (.set x, x+1 reads the previous x). */
    if (sym_defined_now(as, s) && s->kind != SYM_EQU)
        return;
    symbol **p = as_grow(as->collect, &as->capcollect, as->ncollect, sizeof *p, 8);
    if (p) {
        as->collect = p;
        as->collect[as->ncollect++] = s;
    }
}

/* Queue d, reached from `from`, unless seen or settled.  True if d is the
 * symbol being defined (the cycle is closed). */
static bool reach(as_state *as, symbol *self, symbol *d, symbol *from,
                  symbol **queue, size_t *tail)
{
    if (d == self) {
        self->via = from;
        return true;
    }
    if (d->seen == as->searches || !sym_defined_now(as, d) || d->kind == SYM_LABEL ||
        !d->waits || *tail == CYCLE_SEARCH_MAX)
        return false;
    d->seen = as->searches;
    d->via = from;
    queue[(*tail)++] = d;
    return false;
}

/* "self -> ... -> self", following via pointers back from self->via. */
static void cycle_text(symbol *self, char *buf, size_t size)
{
    symbol *path[64], *x = self->via;
    size_t n = 0;
    for (; x != self && n < 64; x = x->via)
        path[n++] = x;
    size_t len = (size_t)snprintf(buf, size, "%s%s", self->name, x != self ? " -> ..." : "");
    for (size_t i = n; i-- > 0 && len < size;)
        len += (size_t)snprintf(buf + len, size - len, " -> %s", path[i]->name);
    if (len < size)
        snprintf(buf + len, size - len, " -> %s", self->name);
}

bool sym_cycle(as_state *as, const char *name, char *buf, size_t size)
{
    symbol *self = sym_find(as, name);
    if (!self || as->ncollect == 0)
        return false;
    symbol *queue[CYCLE_SEARCH_MAX];     /* 32 KiB */
    size_t head = 0, tail = 0;
    as->searches++;
    bool found = false;
    for (size_t i = 0; !found && i < as->ncollect; i++)
        found = reach(as, self, as->collect[i], self, queue, &tail);
    while (!found && head < tail) {
        symbol *x = queue[head++];
        for (size_t i = 0; !found && i < x->ndeps; i++)
            found = reach(as, self, x->deps[i], x, queue, &tail);
    }
    if (found)
        cycle_text(self, buf, size);
    return found;
}

void sym_keep_deps(as_state *as, symbol *s)
{
    s->ndeps = 0;
    s->waits = false;
    if (as->ncollect > s->capdeps) {
        symbol **p = realloc(s->deps, as->ncollect * sizeof *p);
        if (!p)
            return;
        s->deps = p;
        s->capdeps = as->ncollect;
    }
    for (size_t i = 0; i < as->ncollect; i++) {
        symbol *d = as->collect[i];
        s->deps[s->ndeps++] = d;
        s->waits |= !sym_defined_now(as, d) || d->waits;
    }
}

const char *sym_closest(as_state *as, const char *name)
{
    const char *best = NULL;
    int best_score = 99, max = strlen(name) > 3 ? 2 : 1;
    for (size_t b = 0; b < as->symcap; b++)
        for (symbol *s = as->symtab[b]; s; s = s->next) {
            if (!sym_defined_now(as, s) && !s->prev_defined)
                continue;
            int score = typo_score(name, s->name, max);
            if (score >= 0 && (score < best_score ||
                               (score == best_score && strcmp(s->name, best) < 0)))
                best = s->name, best_score = score;
        }
    return best;
}

static int by_order(const void *a, const void *b)
{
    const symbol *x = *(symbol *const *)a, *y = *(symbol *const *)b;
    return (x->order > y->order) - (x->order < y->order);
}

symbol **sym_sorted(as_state *as)
{
    symbol **v = malloc((as->nsyms + 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return NULL;
    for (size_t b = 0; b < as->symcap; b++)
        for (symbol *s = as->symtab[b]; s; s = s->next)
            v[n++] = s;
    qsort(v, n, sizeof *v, by_order);
    v[n] = NULL;
    return v;
}
