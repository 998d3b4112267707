; mtsr.s - task 1: `mtsr` on the virtual system registers.
;
; Needs task 1 only.  It takes no trap and IE stays 0 (as at reset)
; throughout, so the starter's cli/sti, rfe, reflection and injection do
; not matter - but an injection gate that delivers the timer's line while
; IE = 0 does.
;   1. every system register written with mtsr and read back with mfsr
;      (EPSR keeps only N Z C V, IE and K; read-only registers ignore
;      writes; PTBR with E = 0 leaves paging off);
;   2. the timer: armed by mtsr, its line pending after the interval (not
;      taken: IE = 0), cleared and re-armed by the next write, waking wfi;
;      the cycle counter is a timing fingerprint (one cycle per instruction).
; (An mtsr of a system register that does not exist is ILLEGAL, a trap:
; seeing it takes a handler, which needs task 4, so reflect.s checks it.)

.macro rw name, value
    la r1, \value
    mtsr \name, r1
    li r1, 0
    mfsr r1, \name
    call show
.endm

    .text
_start:
    la sp, KSTACK
    ; ---- 1. system registers ----------------------------------------------
    rw tvec, 0x00002000
    rw epc, 0x00001234
    rw epsr, 0xfffffff3          ; reserved bits read as zero
    rw cause, 7
    rw badvaddr, 0xdeadbeef
    rw ptbr, 0x00abc000          ; E = 0: paging stays off
    rw scratch, 0x5a5a1234
    rw cycles, 12345             ; read-only
    rw cpuid, 77                 ; read-only
    rw ipend, 0xffff             ; read-only
    ; ---- 2. the timer -----------------------------------------------------------
    li r1, 40
    mtsr timer, r1               ; due in 40 cycles, but IE = 0
    li r2, 100
1:  subi r2, r2, 1
    bnz r2, 1b
    mfsr r1, timer
    call show
    mfsr r1, ipend               ; pending, not taken
    call show
    li r1, 300
    mtsr timer, r1               ; re-armed: the pending line is cleared
    mfsr r1, ipend
    call show
    wfi                          ; wakes when the line rises, IE = 0: no trap
    mfsr r1, cycles              ; exactly 300 cycles after the mtsr
    call show
    mfsr r1, ipend
    call show
    mtsr timer, r0               ; off, and the line cleared
    mfsr r1, ipend
    call show
    halt

    .include "common.s"
