; selfcheck.s - assembled by t32as and run on bare T32 by `trapeze run --bare`:
; each check prints "ok N" or "FAIL N", so a wrong encoding shows as a FAIL line.
        .equ    CON_DATA, 0x10

        .macro  check n, reg, want
        li      r8, \want
        li      r1, \n
        cmp     \reg, r8
        beq     ok\@
        call    fail
        b       done\@
ok\@:   call    pass
done\@:
        .endm

_start: la      sp, stack_top
        li      r2, 0x12345678          ; lui + ori
        check   1, r2, 0x12345678
        li      r3, -5                  ; addi r3, r0, -5
        check   2, r3, -5
        la      r4, table
        ldw     r5, 4(r4)
        check   3, r5, 0xdeadbeef
        li      r9, 111
        li      r10, 222
        push    r9, r10
        pop     r6, r7                  ; r6 = 222 (last pushed), r7 = 111
        check   4, r6, 222
        check   5, r7, 111
        li      r9, 0
        li      r10, 10
1:      addi    r9, r9, 3               ; 10 times: 30
        subi    r10, r10, 1
        bnez    r10, 1b
        check   6, r9, 30
        not     r11, r9
        check   7, r11, ~30
        la      r4, counter
        ldw     r5, 0(r4)               ; .bss starts zeroed
        check   8, r5, 0
        li      r5, (3 + 4) * 2 << 1
        check   9, r5, 28
        halt

; pass/fail (clobber r1-r3): print "ok N" / "FAIL N" for the check number in r1.
pass:   la      r2, ok_text
        b       report
fail:   la      r2, fail_text
report: push    lr
1:      ldbu    r3, 0(r2)
        beqz    r3, 2f
        out     r3, CON_DATA(r0)
        addi    r2, r2, 1
        j       1b
2:      addi    r1, r1, '0'
        out     r1, CON_DATA(r0)
        li      r1, '\n'
        out     r1, CON_DATA(r0)
        pop     lr
        ret

        .data
ok_text:   .asciz "ok "
fail_text: .asciz "FAIL "
        .align  4
table:  .word   1, 0xdeadbeef
        .bss
counter: .space 4
        .space  1024
stack_top:
