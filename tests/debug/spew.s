; spew.s - print "y" lines for ever: with its console on /dev/full the VM
; ends in an output error, and `info vm` names that end (output.x).
    .text
_start:
    li r1, 'y'
    li r3, '\n'
1:  out r1, 0x10(r0)
    out r3, 0x10(r0)
    b 1b
