; abi.s - the system call interface shared by the kernel and every user
; program (guestos/README.md, "System calls", explains the ABI in words).
;
;   r7       the call number (SYS_*)
;   r1..r3   the arguments
;   syscall  traps into the kernel; execution resumes after it
;   r1       the result: >= 0 on success, a negative E_* code on error
;   every other register is preserved.

.equ SYS_EXIT,    1             ; exit(status)           never returns
.equ SYS_WRITE,   2             ; write(buf, len)        -> len written
.equ SYS_READ,    3             ; read(buf, len)         -> bytes read, 0 = EOF
.equ SYS_YIELD,   4             ; yield()                -> 0
.equ SYS_GETPID,  5             ; getpid()               -> pid
.equ SYS_SLEEP,   6             ; sleep(ticks)           -> 0
.equ SYS_UPTIME,  7             ; uptime()               -> ticks since boot
.equ NSYSCALLS,   8             ; numbers 1 .. NSYSCALLS-1 exist

.equ E_FAULT,    -1             ; a buffer is not readable/writable user memory
.equ E_NOSYS,    -2             ; no system call has that number

; The user address space, as every process sees it.
.equ USER_BASE,      0x00400000 ; programs are assembled to run here
.equ USER_STACK_TOP, 0x00800000 ; the stack grows down from here
