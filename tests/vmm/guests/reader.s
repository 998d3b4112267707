; reader.s - echo console input, line by line, until its end; then halt.
; Each `in` of CON_DATA waits for a byte (or the end: 0xffffffff).
    .text
_start:
1:  in r1, 0x10(r0)
    cmpi r1, -1
    beq 2f
    out r1, 0x10(r0)
    b 1b
2:  halt
