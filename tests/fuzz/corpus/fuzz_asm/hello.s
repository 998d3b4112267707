; hello: print a string
        .equ CON, 0x10
        .global _start
_start: la   sp, stack_top
        la   r1, msg
        call puts
        li   r2, 5
        li   r3, 0x12345
        li   r4, LATER
        push r1, r2, r3
        pop  r3, r2, r1
1:      subi r2, r2, 1
        bnez r2, 1b
        j    1f
        nop
1:      halt

puts:   ldbu r2, 0(r1)
        bz   r2, 2f
        out  r2, CON(r0)
        addi r1, r1, 1
        b    puts
2:      ret

        .equ LATER, 7
        .data
msg:    .asciz "hello, world\n"
        .align 4
tbl:    .word 1, 2, -1, 'a', msg
        .half 0xffff, -2
        .byte 1,2,3
        .bss
        .space 4096
stack_top:
