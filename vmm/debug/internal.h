/*
 * internal.h - what the files of vmm/debug/ share.
 *
 *   debug.c    the command table: parsing, prefixes, repeat, help, completion
 *   target.c   the guest under the debugger: registers, memory, stepping,
 *              continuing, stopping - the same words for bare T32 and a VM
 *   points.c   breakpoints, watchpoints and VMM-event breakpoints (an
 *              observer of the VMM's decisions)
 *   expr.c     C-like expressions over registers, symbols and memory
 *   show.c     x, print, display, disassemble, list, backtrace, info ...
 *   vmminfo.c  the VMM's side: info vcpu/exits/vm/patches/hypercalls,
 *              info pagetable, vm N, vcpu N, mode, dot
 */
#ifndef VMM_DEBUG_INTERNAL_H
#define VMM_DEBUG_INTERNAL_H

#include <signal.h>
#include <stdarg.h>

#include "vmm/debug/debug.h"
#include "vmm/debug/reverse.h"

#define DBG_MAX_POINTS   64
#define DBG_MAX_DISPLAYS 16
#define DBG_MAX_EVENTS   16
#define DBG_MAX_HISTORY  256

/* What a breakpoint stops at. */
typedef enum dbg_kind {
    BP_ADDR,        /* the guest is about to execute `addr`             */
    BP_WATCH,       /* an instruction writes [addr, addr+len)           */
    BP_RWATCH,      /* an instruction reads it                          */
    BP_EXIT,        /* the VMM handles an exit (cause: any if NONE)     */
    BP_EMULATE,     /* ... by emulating (mnemonic: any if -1)           */
    BP_REFLECT,     /* ... by reflecting a trap into the guest          */
    BP_INJECT,      /* the VMM injects a virtual interrupt              */
    BP_HIDDEN,      /* a hidden page fault (shadow filled)              */
    BP_MODESWITCH,  /* the guest's virtual K changes                    */
    BP_PATCH,       /* bt: an instruction patched, or a patch ran       */
    BP_HCALL        /* pv: a hypercall (number: any if -1)              */
} dbg_kind;

typedef struct dbg_point {
    int      id;            /* 0: free slot */
    dbg_kind kind;
    bool     enabled, temporary;
    uint32_t addr, len;     /* BP_ADDR, watchpoints */
    uint32_t old, prev;     /* watchpoints: the value last seen, and before */
    int      arg;           /* cause, opcode or hypercall number; -1 any */
    int      vm;            /* BP_ADDR: the VM it belongs to (-1: any, bare) */
    uint64_t hits;
    char     what[96];      /* as typed, for info breakpoints */
} dbg_point;

/* One VMM decision seen during the last step or continue. */
typedef struct dbg_event {
    vmm_event ev;
    int       vm, vcpu;
    uint64_t  cycle;
    uint32_t  vpsr;          /* virtual PSR when it happened */
    uint32_t  tvec;          /* virtual TVEC then (where a reflect goes) */
    bool      interpreted;   /* in a mode that interprets every instruction
                                (emulate): handled in the VMM, but no exit */
} dbg_event;

struct debugger {
    session     *s;
    vmm         *v;          /* NULL: bare */
    t32_machine *m;
    FILE        *out;
    int          vm, vcpu;   /* selected (VMM sessions) */
    vmm_outcome  bare_out;   /* bare: how it ended (end = VMM_RUNNING while not) */
    bool         done;       /* quit */
    int          failures;   /* commands that failed */
    int          out_errno;  /* why writing to `out` failed first (0: it never did) */
    const char  *origin;     /* for error lines */
    int          origin_line;
    char        *error_to;   /* non-NULL: dbg_error writes its message here (a
                                display's <error: ...>), not to stderr */
    size_t       error_len;
    char         last[512];  /* the command a blank line repeats */

    dbg_point    pts[DBG_MAX_POINTS];
    int          next_id;    /* the last number a point was given */
    int          next_internal;  /* the debugger's own points: -1, -2 ... */
    int          hit_id;     /* the point that stopped the last run, or 0 */
    int          hit_vm;
    bool         tentative_k;/* a mode-switch point asked for a stop: verify */
    uint32_t     k_before;   /* ... the virtual PSR at its event */
    bool         k_changed;  /* ... and a later event of the same run saw K
                                differ from it (it may change back before the
                                boundary a replay looks at) */

    dbg_event    events[DBG_MAX_EVENTS];
    int          nevents;    /* events since the run began (ring) */
    vmm_observer *chain;     /* the observer before ours (--trace) */
    void        *chain_ctx;

    volatile sig_atomic_t interrupted;

    char         displays[DBG_MAX_DISPLAYS][128];
    int          display_id[DBG_MAX_DISPLAYS];  /* its number: as gdb, never reused */
    int          next_display;
    uint32_t     history[DBG_MAX_HISTORY];
    int          nhistory;
    char         xfmt;       /* x's last format and unit, and next address */
    unsigned     xunit;
    uint32_t     xnext;
    int          list_file;  /* list: where the next listing goes on */
    int          list_line;  /* (0: around the stop) */
    int          list_first; /* the first line the last listing showed */

    int          hit_event;  /* index in events[] of the event that stopped it, -1 */
    uint64_t     bare_limit; /* bare: --max-insns (0 none) */
    bool         killed;     /* kill: the guest is gone until `run` */
    bool         killed_vm[VMM_MAX_VMS]; /* which VMs the kill stopped (info vm) */
    bool         end_told[VMM_MAX_VMS];  /* that VM's end was told (dbg_report_stop) */
    bool         scripted;   /* commands from a file: a blank line does nothing */
    reverse     *rev;
    size_t       checkpoint_mem;
    struct own_file { char *path; const char *what; } *own;   /* debug_protect_file's */
    int          nown, capown;
    /* A reverse search is re-running a stretch the guest already ran: the
     * VMM's events still reach the points (to find the stop), but no
     * point's hits are counted again, no temporary point is spent, and
     * --trace does not tell them twice. */
    bool         replaying;
    int          bp_unreported;    /* a breakpoint at the pc of a watchpoint's or an
                                      event's stop, not told yet ... */
    uint64_t     bp_unreported_at; /* ... at this time: the next continue reports it */
    bool         hit_in_place; /* rc: the last hit found was an event that
                                  retired nothing (a hidden page fault) */
    bool         running;    /* a run or step is going on (from begin_run to its report) */
};

/* ---- debug.c ---- */
bool dbg_error(debugger *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *dbg_word(char **p);           /* next blank-separated word, or NULL */
/* The next word into *word (NULL: none), or a double-quoted name with
 * blanks, unquoted; false after an error (a quote left open). */
bool  dbg_file_word(debugger *d, char **p, char **word);
char *dbg_trim(char *s);

/* ---- target.c ---- */
bool      dbg_bare(const debugger *d);
vmm_vm   *dbg_vm(const debugger *d);
vmm_vcpu *dbg_vcpu(const debugger *d);
const t32_image *dbg_image(const debugger *d);
bool      dbg_alive(const debugger *d);      /* the selected guest has not ended */
/* dbg_alive, or an error saying why not (ended, or killed); kill ends
 * every guest until `run`, and a step back does not undo it. */
bool      dbg_need_alive(debugger *d);
/* After rc landed before an event that retires nothing: one step to it,
 * as continue stopped there.  False if none came at this cycle (the
 * guest moved on: go back again). */
bool      dbg_redo_event_in_place(debugger *d);
uint64_t  dbg_time(const debugger *d);
uint32_t  dbg_pc(const debugger *d);
uint32_t  dbg_psr(const debugger *d);        /* virtual PSR in a VM */
uint32_t  dbg_reg(const debugger *d, int r);
uint32_t  dbg_sysreg(const debugger *d, int n);
/* "pc", "r3", "sp", "tvec", "cycles" ... -> value; false if no such name. */
bool      dbg_reg_by_name(const debugger *d, const char *name, uint32_t *v);
bool      dbg_set_reg(debugger *d, const char *name, uint32_t v);
/* Is path a file of the session (image, disk, console ...) or of the
 * front end (debug_protect_file)?  With what it is in `what`. */
bool      dbg_file_in_use(debugger *d, const char *path, char *what, size_t len);
/* Does $name already hold v?  Only for a general register, pc and psr:
 * writing a system register acts as mtsr does, whatever it held. */
bool      dbg_reg_holds(debugger *d, const char *name, uint32_t v);
extern const char *const dbg_reg_names[];    /* for completion; NULL-ended */
bool      dbg_translate(const debugger *d, uint32_t va, uint32_t *pa);
bool      dbg_read_virt(const debugger *d, uint32_t va, void *buf, size_t len);
bool      dbg_read_phys(const debugger *d, uint32_t pa, void *buf, size_t len);
bool      dbg_write_virt(debugger *d, uint32_t va, const void *buf, size_t len);
void      dbg_where(const debugger *d, char *buf, size_t len, uint32_t addr);
/* The symbol that names addr in img (and the offset from it), or NULL
 * (t32_image_symbolize: only within the symbol's segment); img may be NULL. */
const char *dbg_symbol(const t32_image *img, uint32_t addr, uint32_t *off);
/* Run: one instruction, or until a point, an event, an end or Ctrl-C.
 * Each prints how it stopped. */
bool      dbg_stepi(debugger *d, uint64_t n, bool over);
/* continue: passing point `id` (0: none) `ignore` times without a stop. */
bool      dbg_continue(debugger *d, int id, uint64_t ignore);
/* advance (in_frame false); until at a loop's branch (true: to addr in
 * this frame - a recursive call coming back there deeper runs on). */
bool      dbg_run_to(debugger *d, uint32_t addr, bool in_frame);
bool      dbg_finish(debugger *d);
void      dbg_report_stop(debugger *d, bool show_events);
/* Is the instruction at pc a call (jal, or jalr writing lr)?  A return
 * (a jalr that does not link: ret)?  finish and reverse-finish count them. */
bool      dbg_is_call(const debugger *d, uint32_t pc);
bool      dbg_is_return(const debugger *d, uint32_t pc);
/* The code the guest is running now, as the commands that follow one
 * frame (nexti over a call, finish, reverse-finish) tell frames apart:
 * kernel mode, or user mode in one address space (the virtual PTBR). */
uint64_t  dbg_context(const debugger *d);
/* After an event point stopped the guest (d->hit_id): does the stop stand?
 * (A mode-switch stop only if the virtual K changed; else hit_id is reset
 * and false.) */
bool      dbg_event_stop_stands(debugger *d);
void      dbg_restart(debugger *d);
void      dbg_changed(debugger *d);              /* after set, mode: cut the history */
void      dbg_switch_modes(debugger *d);         /* --switch-mode: those due, and the next */
void      dbg_kill(debugger *d);
uint64_t  dbg_memhash(const debugger *d);

/* ---- points.c ---- */
bool      points_add(debugger *d, dbg_kind kind, const char *args, bool temp);
bool      points_command(debugger *d, const char *cmd, char *args); /* delete/disable/enable */
void      points_info(debugger *d);
void      points_arm(debugger *d, bool on);       /* real-CPU breakpoints */
int       points_add_internal(debugger *d, uint32_t addr);  /* id (< 0), or 0: no room */
void      points_remove(debugger *d, int id);
void      points_report_watch(debugger *d, dbg_point *p);
void      points_drop_spent(debugger *d);         /* temporary ones that hit */
bool      points_have_watch(const debugger *d);
/* Is point `id` a VMM event point (not a breakpoint or watchpoint)? */
bool      points_is_event(const debugger *d, int id);
/* The enabled BP_ADDR at pc that belongs to VM vm (d->vm; any in bare). */
dbg_point *points_at(debugger *d, int vm, uint32_t pc);
/* Is there a breakpoint at pc, but only other VMs' (the real CPU stopped
 * VM vm there for nothing)? */
bool      points_foreign(debugger *d, int vm, uint32_t pc);
/* Before one instruction is stepped: note what it will access; after it:
 * the watchpoint it hit, or NULL. */
dbg_point *points_watch_check(debugger *d, uint32_t pc, uint32_t word, bool have_word,
                              const uint32_t regs[16]);
void      points_watch_reset(debugger *d);
bool      points_about_to_touch(const dbg_point *p, bool have_word, uint32_t word,
                                const uint32_t regs[16]);
void      points_observe(void *ctx, const vmm_vcpu *vc, const vmm_event *ev);
void      points_hit(debugger *d, dbg_point *p);  /* count it; drop a temporary */
void      points_describe_event(debugger *d, const dbg_event *e, char *buf, size_t len);

/* ---- show.c ---- */
/* Does backtrace find a frame above the current one?  Not in the
 * outermost frame (the top of _start), where finish has nothing to
 * return to. */
bool      dbg_has_caller(debugger *d);

/* ---- expr.c ---- */
/* Evaluate; false after printing the error. */
bool      expr_eval(debugger *d, const char *text, uint32_t *value);
/* Is text one name - a symbol's, as expressions spell it? */
bool      expr_is_name(const char *text);
/* A location for break/advance/list: *ADDR, SYMBOL[+OFF], FILE:LINE, LINE,
 * or an expression. */
bool      expr_location(debugger *d, const char *text, uint32_t *addr);
/* A location an instruction can be at (break, tbreak, advance, until): as
 * expr_location, and a multiple of 4 - instructions are words, and the pc
 * is never anything else (ISA.md: an unaligned fetch traps). */
bool      expr_code_location(debugger *d, const char *text, uint32_t *addr);
bool      expr_file_line(const t32_image *img, const char *file, int line, uint32_t *addr);
/* A source line for list: FILE:LINE and LINE as written (LINE in file
 * cur_file, or the pc's file if cur_file < 0), any other location at the
 * line its address has.  file is an index into the image's files. */
bool      expr_source_line(debugger *d, const char *text, int cur_file, int *file, int *line);

/* ---- the commands (debug.c's table), in show.c and vmminfo.c ---- */
/* `fs` is the /FMT after the command word (NULL: none), args the rest. */
typedef bool dbg_command(debugger *d, const char *fs, char *args);
dbg_command dc_x, dc_xp, dc_print, dc_set, dc_display, dc_undisplay, dc_disassemble,
            dc_list, dc_backtrace, dc_vm, dc_vcpu, dc_mode, dc_dot;
/* info sub-commands */
bool dc_info_line(debugger *d, char *args);
bool dc_info_symbol(debugger *d, char *args);
bool dc_info_registers(debugger *d, char *args);
bool dc_info_sysregs(debugger *d, char *args);
bool dc_info_state(debugger *d, char *args);
bool dc_info_vcpu(debugger *d, char *args);
bool dc_info_exits(debugger *d, char *args);
bool dc_info_patches(debugger *d, char *args);
bool dc_info_hypercalls(debugger *d, char *args);
bool dc_info_vm(debugger *d, char *args);
bool dc_info_pagetable(debugger *d, char *args);
void show_displays(debugger *d);
void show_display_list(debugger *d);   /* info display */
void show_source_line(debugger *d, uint32_t pc);
void show_insn(debugger *d, uint32_t pc, bool mark);
bool dbg_need_vmm(debugger *d);
/* A VMM whose selected VM runs in `mode`, or an error naming both: the
 * patches (`what`) of bt, the hypercalls of pv. */
bool dbg_need_mode(debugger *d, vmm_mode mode, const char *what);

#endif /* VMM_DEBUG_INTERNAL_H */
