; spew.s - print "y" lines for ever and never halt: a guest whose output
; never ends, so a console that stops working must end the run
; (console_errors.sh).
    .text
_start:
    li r1, 'y'
    li r3, '\n'
1:  out r1, 0x10(r0)
    out r3, 0x10(r0)
    b 1b
