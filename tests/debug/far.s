; far.s - a call to a function on another page: its first fetch is a
; hidden page fault in a VM (the debugger's hidden-fault stops).
_start:
 la sp, 0x8000
 call far
 halt
 .space 8192
far:
 addi r1, r1, 1
 ret
