; pvops.s - the operations that differ between the native kernel and the
; paravirtual one, as macros (Linux calls its own version "pv_ops").
;
; The same sources build two kernels (guestos/build.mk):
;
;   kernel.img      native: privileged instructions, for bare T32 (and for
;                   trap-and-emulate, which must cope with them)
;   kernel-pv.img   assembled with -D PARAVIRT, for `trapeze run --mode pv`:
;                   every sensitive instruction below becomes a hypercall
;                   (`hcall`, see include/hcall.s) or a plain load or store
;                   in the page the kernel shares with the VMM
;
; Everywhere else the kernel is written once, in terms of these macros:
;
;   macro              native                 paravirtual
;   -----------------  ---------------------  ---------------------------------
;   irq_save r         pushf                  push the shared page's IE (via r)
;   irq_restore r      popf                   pop it back; if that unmasked and
;                                             something is pending, hcall PENDING
;   irq_off            cli                    IE := 0 in the shared page
;   irq_on r           sti                    IE := 1, then as irq_restore
;   sr_read rd, NAME   mfsr rd, NAME          ldw from the shared page (EPC,
;   sr_write NAME, rs  mtsr NAME, rs          EPSR, CAUSE, BADVADDR, SCRATCH)
;   trap_ret           rfe                    hcall IRET
;   set_tvec rs        mtsr tvec, rs          hcall SET_TVEC
;   set_ptbr rs        mtsr ptbr, rs          hcall SET_PTBR
;   set_timer rs       mtsr timer, rs         hcall SET_TIMER
;   pte_set ra, rv     stw rv, 0(ra)          hcall MMU_UPDATE with one pair
;   cpu_idle           wfi; sti; cli          hcall IDLE; IE := 0
;   cpu_halt           halt                   hcall HALT
;   mode_psr rd        pushf; pop rd          ldw rd, the shared page's PSR
;   pv_register        (nothing)              hcall SHARED_PAGE
;
; `r` is a scratch register the paravirtual version may use (the native
; one leaves it alone); every macro preserves every other register, and
; the flags are not preserved by irq_restore (nothing relies on popf's
; flags).  Under trap-and-emulate each native line marked with a
; privileged instruction is an exit; the paravirtual irq_* are none, and
; each of the others is one exit doing a whole job.  console.s has the
; only paravirtual code that is not a macro: lines go out with one hcall
; CONSOLE each instead of one `out` per byte.

    .ifdef PARAVIRT

    .include "hcall.s"

; The shared page's words, by name, reachable as name(r0) (the page lies
; below 32 KiB, see the end of kernel.s).
.equ pv_ie,       pv_shared + SH_IE
.equ pv_pending,  pv_shared + SH_PENDING
.equ pv_epc,      pv_shared + SH_EPC
.equ pv_epsr,     pv_shared + SH_EPSR
.equ pv_cause,    pv_shared + SH_CAUSE
.equ pv_badvaddr, pv_shared + SH_BADVADDR
.equ pv_scratch,  pv_shared + SH_SCRATCH
.equ pv_psr,      pv_shared + SH_PSR

; LAB 04 BEGIN pv-irq
.macro irq_save r
    ldw \r, pv_ie(r0)
    push \r
.endm

; Unmasking is where a paravirtual kernel must look for itself: the VMM
; injects nothing while IE was 0, so an interrupt that came meanwhile
; waits in PENDING until someone asks.  One cheap hcall, only then.
.macro irq_restore r
    pop \r
    stw \r, pv_ie(r0)
    bz \r, 1\@f
    ldw \r, pv_pending(r0)
    bz \r, 1\@f
    hcall HC_PENDING
1\@:
.endm

.macro irq_off
    stw r0, pv_ie(r0)
.endm

.macro irq_on r
    li \r, 1
    push \r
    irq_restore \r
.endm
; LAB 04 END pv-irq

.macro sr_read rd, name
    ldw \rd, pv_\name(r0)
.endm

.macro sr_write name, rs
    stw \rs, pv_\name(r0)
.endm

.macro trap_ret
    hcall HC_IRET
.endm

; A hypercall with one argument, r1 kept (its result is not needed).
.macro hcall1 num, rs
    push r1
    mov r1, \rs
    hcall \num
    pop r1
.endm

.macro set_tvec rs
    hcall1 HC_SET_TVEC, \rs
.endm

.macro set_ptbr rs
    hcall1 HC_SET_PTBR, \rs
.endm

.macro set_timer rs
    hcall1 HC_SET_TIMER, \rs
.endm

; One page-table entry, through the VMM (which checks the frame and keeps
; its shadow tables right).  A table may be filled with plain stores only
; while it has never been loaded into PTBR (vm_init's KPT0).
.macro pte_set ra, rv
    push r1, r2
    stw \ra, pv_mmu(r0)
    stw \rv, pv_mmu + 4(r0)
    la r1, pv_mmu
    li r2, 1
    hcall HC_MMU_UPDATE
    pop r2, r1
.endm

.macro cpu_idle
    hcall HC_IDLE
    irq_off
.endm

.macro cpu_halt
    hcall HC_HALT
.endm

.macro mode_psr rd
    ldw \rd, pv_psr(r0)
.endm

.macro pv_register
    la r1, pv_shared
    hcall HC_SHARED_PAGE
.endm

    .else   ; ---- native: the privileged instructions themselves ------------

.macro irq_save r
    pushf
.endm

.macro irq_restore r
    popf
.endm

.macro irq_off
    cli
.endm

.macro irq_on r
    sti
.endm

.macro sr_read rd, name
    mfsr \rd, \name
.endm

.macro sr_write name, rs
    mtsr \name, \rs
.endm

.macro trap_ret
    rfe
.endm

.macro set_tvec rs
    mtsr tvec, \rs
.endm

.macro set_ptbr rs
    mtsr ptbr, \rs
.endm

.macro set_timer rs
    mtsr timer, \rs
.endm

.macro pte_set ra, rv
    stw \rv, 0(\ra)
.endm

.macro cpu_idle
    wfi
    sti
    cli
.endm

.macro cpu_halt
    halt
.endm

.macro mode_psr rd
    pushf
    pop \rd
.endm

.macro pv_register
.endm

    .endif
