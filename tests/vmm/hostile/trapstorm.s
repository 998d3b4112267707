; trapstorm.s - a trap vector outside RAM: a trap that traps for ever.
;
; TVEC points past the end of RAM.  The first trap jumps there, the fetch
; is a BUS_ERROR, which jumps there again, ... - in kernel mode, with no
; end.  Each of those traps is an exit the VMM must handle and still keep
; the CPU: the guest's own budget runs out, the other VMs keep running.
    .text
_start:
    in r1, 0(r0)                 ; MEMSIZE: the first address past RAM
    mtsr tvec, r1
    syscall
