; hw.s - the T32 hardware as the guest OS sees it: PSR bits, trap causes,
; page-table entry bits and I/O ports.  Every number here comes from
; isa/ISA.md; this file only gives them names, so the kernel reads like
; prose instead of like a list of magic numbers.

; ---- the processor status register (ISA.md section 1) ---------------------
.equ PSR_K,            1        ; 1 = kernel mode
.equ PSR_IE,           2        ; 1 = interrupts enabled

; ---- trap causes, as found in the CAUSE register (ISA.md section 6) -------
.equ CAUSE_ILLEGAL,    1        ; unknown opcode / operand
.equ CAUSE_PRIVILEGED, 2        ; privileged instruction in user mode
.equ CAUSE_SYSCALL,    3        ; the syscall instruction (EPC = pc + 4)
.equ CAUSE_BREAKPOINT, 4        ; brk
.equ CAUSE_DIVZERO,    5        ; division by zero
.equ CAUSE_MISALIGNED, 6        ; unaligned access (BADVADDR set)
.equ CAUSE_FETCH,      7        ; page fault on fetch (BADVADDR set)
.equ CAUSE_LOAD,       8        ; page fault on load (BADVADDR set)
.equ CAUSE_STORE,      9        ; page fault on store (BADVADDR set)
.equ CAUSE_BUS,        10       ; physical address outside RAM (BADVADDR set)
.equ CAUSE_LAST_FAULT, 10       ; causes 1..10 are synchronous faults
.equ CAUSE_IRQ_TIMER,  16       ; interrupt line 0
.equ CAUSE_IRQ_CONSOLE,17       ; interrupt line 1
.equ CAUSE_IRQ_DISK,   18       ; interrupt line 2

; ---- paging (ISA.md section 8) ---------------------------------------------
;   virtual address:  | L1 index (10) | L2 index (10) | offset (12) |
.equ PAGE_SIZE,        4096
.equ PAGE_SHIFT,       12
.equ PTBR_E,           1        ; PTBR bit 0: paging enabled
.equ PTE_V,            1        ; valid
.equ PTE_R,            2        ; readable
.equ PTE_W,            4        ; writable
.equ PTE_X,            8        ; executable
.equ PTE_U,            16       ; user mode may use it
.equ PTE_FRAME,        0xfffff000

; ---- I/O ports (ISA.md section 9) ------------------------------------------
.equ PORT_MEMSIZE,     0x00     ; in: bytes of RAM
.equ PORT_CON_DATA,    0x10     ; in: next input byte; out: print a byte
.equ PORT_CON_STATUS,  0x11     ; in: bit 0 RXREADY, bit 1 RXEOF
.equ CON_RXREADY,      1
.equ CON_RXEOF,        2
.equ PORT_DISK_SECTOR, 0x20     ; first sector of the next transfer
.equ PORT_DISK_ADDR,   0x21     ; physical address for the DMA
.equ PORT_DISK_COUNT,  0x22     ; number of 512-byte sectors
.equ PORT_DISK_CMD,    0x23     ; 1 = read (disk -> memory) starts it
.equ PORT_DISK_STATUS, 0x24     ; 0 idle, 1 busy, 2 done, 3 error; out = ack
.equ PORT_DISK_SIZE,   0x26     ; in: capacity in sectors
.equ DISK_CMD_READ,    1
.equ DISK_BUSY,        1
.equ DISK_DONE,        2
.equ SECTOR_SIZE,      512
.equ SECTOR_SHIFT,     9        ; SECTOR_SIZE = 1 << SECTOR_SHIFT
