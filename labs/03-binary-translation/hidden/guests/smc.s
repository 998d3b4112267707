; smc.s - kernel code that rewrites its own instructions.
;
; getpsr's first word is pushf.  Under --mode bt its page is scanned and
; the pushf patched (in a copy) the first time it runs.  The kernel then
; stores `push r0` over it - into the page it is running from - and calls
; it again: the new instruction must run (PSR bits 0).  Then it stores
; pushf back, and the patched behaviour must come back too (K = 1).
    .text
_start:
    la sp, 0x8000
    call getpsr                  ; K = 1 (bare: the real K)
    call show
    ldw r9, getpsr(r0)           ; the original word: pushf
    ldw r1, new_word(r0)
    stw r1, getpsr(r0)           ; self-modifying code
    call getpsr
    call show
    stw r9, getpsr(r0)           ; and back
    call getpsr
    call show
    li r10, 3                    ; a loop that patches and unpatches
1:  ldw r1, new_word(r0)
    stw r1, getpsr(r0)
    call getpsr
    call show
    stw r9, getpsr(r0)
    call getpsr
    call show
    subi r10, r10, 1
    bnz r10, 1b
    halt

getpsr:
    pushf
    pop r1
    andi r1, r1, 3               ; K and IE
    ret

new_word:
    push r0

    .include "show.s"             ; show(r1): hex and a newline (tests/guests/)
