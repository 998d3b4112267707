; kernel.s - the guestos kernel, one file per mechanism.
;
; Assembling this file gives the kernel image (guestos/build.mk):
;     t32as -I guestos/include -o kernel.img guestos/kernel/kernel.s
; and with -D PARAVIRT the paravirtual kernel for `trapeze run --mode pv`
; (kernel-pv.img): pvops.s holds what differs.
; Reading order for a first visit: boot.s (what happens from reset), trap.s
; (how every trap enters and leaves), syscall.s, proc.s (the scheduler),
; timer.s, vm.s (paging), then the drivers (console.s, disk.s), loader.s
; and kprint.s.  memlayout.s is the map of memory and of the kernel's
; records; ../include/ holds the hardware constants and the system call
; ABI shared with user programs.
;
; Calling convention inside the kernel (ISA.md section 1): arguments and
; results in r1..r6 (r1 first), r7 and r8 are scratch, r9..r13 belong to
; the caller and are saved by any function that uses them, lr holds the
; return address (`call` = jal) and functions that call others push it.
;
; Code pages hold only instructions: every file keeps its strings and
; tables in .data, so that anything that reads the kernel's code (t32dis,
; a binary translator scanning for sensitive instructions) sees no data
; dressed up as instructions.

    .include "hw.s"
    .include "abi.s"
    .include "memlayout.s"
    .include "pvops.s"          ; native or paravirtual (-D PARAVIRT)

    .text
    .include "boot.s"
    .include "trap.s"
    .include "syscall.s"
    .include "proc.s"
    .include "timer.s"
    .include "vm.s"
    .include "console.s"
    .include "disk.s"
    .include "loader.s"
    .include "kprint.s"

; The kernel must end below 32 KiB: trap_entry and every `name(r0)` reach
; kernel variables through a 16-bit offset from r0.  If it grows past that,
; refer to a name that does not exist, so the assembler stops right here.
    .bss
    .ifdef PARAVIRT
; The page shared with the VMM (pvops.s), and MMU_UPDATE's one pair.
    .align 4096
pv_shared:  .space 4096
pv_mmu:     .space 8
    .endif
kernel_end:
    .if kernel_end > 0x8000
    .word kernel_is_larger_than_32_KiB
    .endif
