; strings.s - data for x/s: a string longer than x/s shows on one line
; (206 bytes, cut with "..." after 200), one of exactly 200, then a short one.
_start:
    halt

long_text:
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .asciz "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
exact_text:                     ; exactly 200 bytes and its NUL: no "..."
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .ascii "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    .asciz "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
short_text:
    .asciz "T32"
    .align 4
counter:
    .word 0
