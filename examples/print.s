; print.s - console output for the kernel-mode code of the examples.
;
; `.include "print.s"` (t32as looks next to the including file first) adds
; three functions.  They use `out`, a privileged instruction, so only
; kernel-mode code may call them; user code asks the kernel with `syscall`.
;
;   puts(r1 = address of a NUL-terminated string)
;   putdec(r1 = signed number)          in decimal, e.g. -2
;   puthex(r1 = number)                 as 0x followed by 8 hex digits
;
; Calling convention (isa/ISA.md section 1): arguments in r1..., return
; address in lr (`call` = jal writes it), r1-r8 may be clobbered.

    .equ CON_DATA, 0x10             ; console output port (ISA.md section 9)

puts:
1:  ldbu r2, 0(r1)
    bz r2, 2f
    out r2, CON_DATA(r0)
    addi r1, r1, 1
    b 1b
2:  ret

putdec:
    cmpi r1, 0
    bge 1f
    li r2, '-'                      ; negative: a minus sign, then -r1
    out r2, CON_DATA(r0)
    neg r1, r1
1:  mov r3, sp                      ; digits go on the stack, last first
    li r4, 10
2:  remu r2, r1, r4                 ; r2 := lowest digit
    addi r2, r2, '0'
    push r2
    divu r1, r1, r4
    bnz r1, 2b
3:  pop r2                          ; print them back, first digit first
    out r2, CON_DATA(r0)
    cmp sp, r3
    bne 3b
    ret

puthex:
    li r2, '0'
    out r2, CON_DATA(r0)
    li r2, 'x'
    out r2, CON_DATA(r0)
    li r3, 28                       ; shift for the top nibble
1:  shr r2, r1, r3
    andi r2, r2, 15
    addi r2, r2, '0'
    cmpi r2, '9'
    ble 2f
    addi r2, r2, 'a' - '0' - 10     ; 10..15 -> a..f
2:  out r2, CON_DATA(r0)
    subi r3, r3, 4
    cmpi r3, 0                      ; (only cmp, cmpi and tst set flags)
    bge 1b
    ret
