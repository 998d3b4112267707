; motd.s - the message of the day: a block of text printed with a single
; write() call.  The kernel copies it byte by byte into the process's line
; buffer and sends each line to the console as it completes; a long write
; like this one spans several timer ticks, which the kernel takes *during*
; the system call because it runs system calls with interrupts on.  (A
; deprivileged kernel whose popf cannot restore IE would lose those ticks:
; see the critical sections in kernel/console.s.)

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    la r1, motd
    la r2, motd_end - motd
    call write
    li r1, 0
    call exit

motd:
    .ascii "+------------------------------------------------------------+\n"
    .ascii "| guestos: a preemptive multi-process kernel for bare T32    |\n"
    .ascii "|                                                            |\n"
    .ascii "| Each program on the disk runs as a user process in its own |\n"
    .ascii "| address space.  The timer takes the CPU away from it every |\n"
    .ascii "| 2000 cycles, so the counters' lines interleave.  A process |\n"
    .ascii "| that faults is killed with one line, and nobody else       |\n"
    .ascii "| notices.  When all are gone, the kernel sums up and halts. |\n"
    .ascii "+------------------------------------------------------------+\n"
motd_end:
    .align 4
    .include "ulib.s"
