; hello.s - print one line and halt: the smallest guest that ends well.
    .text
_start:
    la r2, msg
1:  ldbu r1, 0(r2)
    bz r1, 2f
    out r1, 0x10(r0)
    addi r2, r2, 1
    b 1b
2:  halt
msg: .asciz "hello from a guest\n"
