; selfread.s - kernel code that reads its own instructions.
;
; crit (pushf; cli; ...; popf) runs first, so under --mode bt its page has
; been scanned and patched.  Then the kernel reads crit's words and sums
; its whole code page: it must see the original instructions, as on bare
; T32, never a patch.
    .text
_start:
    la sp, 0x8000
    call crit
    andi r1, r8, 3               ; the PSR crit saw: K = 1
    call show
    la r9, crit
    li r10, 0
1:  ldw r1, 0(r9)                ; crit's words, one by one
    call show
    addi r9, r9, 4
    addi r10, r10, 1
    cmpi r10, 5
    blt 1b
    la r9, 0x1000                ; the sum of this code page
    li r10, 0
    li r11, 0
2:  ldw r1, 0(r9)
    add r11, r11, r1
    addi r9, r9, 4
    addi r10, r10, 1
    cmpi r10, 1024
    blt 2b
    mov r1, r11
    call show
    call crit                    ; and it still runs as before
    mov r1, r9
    call show
    halt

crit:
    pushf
    pop r8
    push r8
    cli
    addi r9, r9, 1
    popf
    ret

    .include "show.s"             ; show(r1): hex and a newline (tests/guests/)
