; context.s - an error deep inside macros and includes shows the whole path.
        .include "helpers.inc"

_start: outer   r1
        halt
