; macros.s - macros with defaults and \@, conditionals, .include, -I.
        .include "util.inc"

        .macro  save2 a, b=r2
        push    \a
        push    \b
        .endm

        .macro  loop_n n
        li      r9, \n
l\@:    subi    r9, r9, 1
        bnz     r9, l\@
        .endm

_start: save2   r1
        save2   r3, r4
        loop_n  10
        loop_n  20
        .ifdef  UTIL_VERSION
        .if     UTIL_VERSION >= 2
        li      r1, 2
        .else
        li      r1, 1
        .endif
        .endif
        .ifndef NOT_DEFINED
        putc    'x'
        .endif
        halt
