; strings.s - data for x/s: a string longer than x/s shows on one line
; (210 bytes, cut with "..." after 200), then a short one.
_start:
    halt

long_text:
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .asciz "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
short_text:
    .asciz "T32"
    .align 4
counter:
    .word 0
