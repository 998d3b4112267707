; cycles.s - a .equ that depends on itself has no value: each cycle is an
; error at the definition that closes it, naming the symbols on the way.
        .equ    a, b            ; forward: fine until b turns out to need a
        .equ    b, a
        .equ    self, self
        .equ    inc, inc + 1
        .equ    x, y + 1
        .equ    y, z * 2
        .equ    z, x - 3
        .equ    uses, a + x     ; reads the cycles but is not on one: no error
        .set    n, 1
        .set    n, n + 1        ; .set reads the previous n: no cycle
        .equ    later, fine     ; a forward reference without a cycle
        .equ    fine, n
_start: li      r1, later
        halt
