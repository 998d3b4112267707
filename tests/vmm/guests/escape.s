; escape.s - a trap nobody handles: ILLEGAL in kernel mode with TVEC = 0.
; trapeze must stop with status 4 and name the cause, pc and symbol.
    .text
_start:
    li r1, 'x'
    out r1, 0x10(r0)
bad:
    .word 0                      ; the all-zero word is not an instruction
