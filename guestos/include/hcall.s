; hcall.s - the paravirtual interface of Trapeze's `--mode pv`, as the
; guest sees it: hypercall numbers, error codes and the layout of the page
; the guest shares with the VMM.  vmm/HYPERCALLS.md is the ABI in words;
; these numbers are vmm/modes/pv/pv.h's (tests/vmm/pv.sh checks that they
; agree).
;
;   hcall N     N = the call number (the instruction's 16-bit immediate)
;   r1..r3      the arguments
;   r1          the result: >= 0 success, a negative HE_* code on error
;               (IRET and PENDING leave every register alone)
;   every other register is preserved.

.equ HC_SHARED_PAGE, 1          ; (pa)            share the page at pa; 0 = stop
.equ HC_CONSOLE,     2          ; (buf, len)      print len bytes -> len
.equ HC_SET_TVEC,    3          ; (addr)          the trap vector
.equ HC_SET_PTBR,    4          ; (ptbr)          a new address space
.equ HC_MMU_UPDATE,  5          ; (pairs, n)      n (pte pa, value) pairs -> n
.equ HC_SET_TIMER,   6          ; (interval)      as mtsr timer
.equ HC_IDLE,        7          ; ()              unmask, wait for an interrupt
.equ HC_HALT,        8          ; ()              stop this CPU
.equ HC_IRET,        9          ; ()              return from trap: EPC/EPSR from the page
.equ HC_PENDING,    10          ; ()              take the pending interrupts now

.equ HE_FAULT,      -1          ; a pointer outside RAM or not mapped
.equ HE_NOSYS,      -2          ; no such call
.equ HE_INVAL,      -3          ; a bad length, alignment or value
.equ HE_FRAME,      -4          ; a frame that is not in RAM

; The shared page (one page, registered with HC_SHARED_PAGE).
.equ SH_IE,          0          ; virtual IE: 1 on, 0 off (the guest's cli/sti)
.equ SH_PENDING,     4          ; pending interrupt lines (written by the VMM)
.equ SH_EPC,         8          ; the trap registers: written by the VMM when
.equ SH_EPSR,       12          ; it delivers a trap; the guest writes EPC and
.equ SH_CAUSE,      16          ; EPSR before HC_IRET
.equ SH_BADVADDR,   20
.equ SH_SCRATCH,    24          ; the scratch register
.equ SH_PSR,        28          ; the virtual PSR (K: kernel mode) at resume
