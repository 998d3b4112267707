; memlayout.s - where everything lives, and the shape of the kernel's records.
;
; Physical memory (the kernel maps 0 .. 4 MiB one-to-one, U = 0, in every
; address space, so a trap finds the kernel wherever it happens):
;
;   0x00000000  page 0, left empty (t32as starts .text at 0x1000) and
;               unmapped once paging is on
;   0x00001000  the kernel image: .text, then .data and .bss (< 32 KiB, so
;               every kernel variable is reachable as `name(r0)`)
;   0x00010000  KPGDIR    the boot page directory (L1 table)
;   0x00011000  KPT0      the L2 table mapping 0 .. 4 MiB; shared by all
;   0x00012000  KSTACKS   one 1 KiB kernel stack per process slot
;   0x00016000  BOOT_STACK_TOP  (the boot stack is the 4 KiB below it)
;   0x00017000  DIRBUF    one sector: the disk's program directory
;   0x00100000  FRAMES .. FRAMES_END: page frames handed out by kalloc
;               (page tables and the memory of user processes)
;   0x00400000  end of the kernel's window; the rest of RAM is unused
;
; A process's virtual memory:
;
;   0x00000000 .. 0x00000fff  unmapped, so that null pointers fault
;   0x00001000 .. 0x003fffff  the kernel window (U = 0: user access faults)
;   0x00400000                USER_BASE: the program, as the disk holds it,
;                             followed by its zero-filled .bss
;   0x007ff000 .. 0x007fffff  the user stack (one page, below USER_STACK_TOP)

.equ KERNEL_WINDOW,  0x00400000
.equ KPGDIR,         0x00010000
.equ KPT0,           0x00011000
.equ KSTACKS,        0x00012000
.equ KSTACK_SIZE,    1024
.equ BOOT_STACK_TOP, 0x00017000
.equ DIRBUF,         0x00017000
.equ FRAMES,         0x00100000
.equ FRAMES_END,     0x00400000
.equ USER_MAX_BYTES, 0x00100000 ; largest program image + .bss (1 MiB)

.equ NPROC,          16         ; process slots
.equ TICK_CYCLES,    2000       ; timer interval: one tick = one time slice

; ---- the trap frame ----------------------------------------------------------
; trap_entry (trap.s) saves everything the interrupted code owns here, on
; the kernel stack; trap_return puts it all back.  For a process that is
; not running, the frame at the top of its kernel stack *is* its saved
; user context: switching processes means resuming another frame.
.equ TF_PC,       0             ; EPC: where to resume
.equ TF_R1,       4             ; r1 .. r15 at 4 * n
.equ TF_R2,       8
.equ TF_R3,       12
.equ TF_R4,       16
.equ TF_R5,       20
.equ TF_R6,       24
.equ TF_R7,       28
.equ TF_R8,       32
.equ TF_R9,       36
.equ TF_R10,      40
.equ TF_R11,      44
.equ TF_R12,      48
.equ TF_R13,      52
.equ TF_SP,       56            ; r14
.equ TF_LR,       60            ; r15
.equ TF_PSR,      64            ; EPSR: mode, IE and flags to resume with
.equ TF_CAUSE,    68            ; why we trapped
.equ TF_BADVADDR, 72            ; the faulting address, for memory faults
.equ TF_SIZE,     76

; ---- a process (one slot of the process table, proc.s) ---------------------
.equ P_STATE,     0             ; one of the P_* states below
.equ P_PID,       4             ; process id, from 1
.equ P_PTBR,      8             ; page directory | PTBR_E: its address space
.equ P_KSTACK,    12            ; top of its kernel stack
.equ P_WAKE,      16            ; SLEEPING: the tick at which to wake up
.equ P_LINELEN,   20            ; bytes waiting in P_LINE
.equ P_NAME,      24            ; NUL-terminated name, 16 bytes
.equ P_LINE,      40            ; console line buffer, LINE_MAX bytes
.equ LINE_MAX,    128
.equ P_SIZE,      256
.equ P_SHIFT,     8             ; P_SIZE = 1 << P_SHIFT

.equ P_UNUSED,    0             ; a free slot
.equ P_RUNNABLE,  1             ; waiting for the CPU
.equ P_RUNNING,   2             ; on the CPU (it is `current`)
.equ P_SLEEPING,  3             ; in sleep(), until ticks reach P_WAKE
.equ P_ZOMBIE,    4             ; exited or killed; the slot is not reused

; ---- the disk's program directory (sector 0; built by mkdisk.c) ------------
;   header (32 bytes):  magic "T32D", version 1, count, 5 reserved words
;   then up to 15 entries of 32 bytes:
.equ DIR_MAGIC,   0x44323354    ; the bytes 'T' '3' '2' 'D'
.equ DIR_VERSION, 1
.equ DIR_COUNT,   8             ; header: number of entries
.equ DIR_FIRST,   32            ; offset of the first entry
.equ DIR_MAXENT,  15
.equ DE_NAME,     0             ; NUL-padded name, 16 bytes
.equ DE_SECTOR,   16            ; first sector of the program's bytes
.equ DE_FILESZ,   20            ; bytes stored on the disk
.equ DE_MEMSZ,    24            ; bytes of memory it needs (>= FILESZ)
.equ DE_ENTRY,    28            ; virtual address of its first instruction
.equ DE_SIZE,     32
.equ NAME_MAX,    16
