; cli-sti.s - task 2: `cli` and `sti` on the virtual IE bit.
;
; Needs task 2 only: no mtsr, no trap, no interrupt (the timer stays off).
; The guest reads its IE bit with pushf (showpsr in common.s: under
; trap-and-emulate the real IE mirrors the virtual one), and its flags with
; it, which cli and sti must leave alone.

    .text
_start:
    la sp, KSTACK
    call showpsr                 ; IE = 0 at reset
    sti
    call showpsr
    sti                          ; again: stays 1
    call showpsr
    cli
    call showpsr
    cli                          ; again: stays 0
    call showpsr
    li r1, 0
    cmpi r1, 1                   ; N and C set
    sti
    call showpsr
    cli
    call showpsr
    halt

    .include "common.s"
