; warnings.s - values that do not fit: warnings, and the image is still written.
_start: addi    r1, r0, 40000
        andi    r1, r1, -1
        shri    r2, r2, 32
        .byte   300
        .half   -40000
        .align  4
        halt
