; isa_rules.s - the rules isa/ISA.md states that a program written from it
; alone relies on, checked from inside a guest: one PASS or FAIL line per
; rule (tests/docs/isa_rules.sh runs it bare and under the VMM).
;
;   layout     _start is at 0x1000; .data starts at the first page boundary
;              after the end of .text (ISA.md section 5)
;   macro-str  a macro argument is substituted inside a string too
;   macro-@    \@ makes a label unique to each expansion
;   local-sec  `1b` is the nearest `1:` above in the source, whatever the
;              section
;   epsr       mtsr epsr keeps only the PSR's bits (27:2 read as zero)
;   wfi-cycle  a wfi woken by the timer completes at the timer's cycle
;   disk-none  with no disk: SIZE reads 0, DISK_CMD reads all ones, a
;              command other than 1 or 2 does nothing, and a read ends in
;              ERROR exactly 200 + 50 x COUNT cycles after the out started
;   d-rewalk   a store through a cached translation whose D is clear walks
;              the tables again and obeys the entry as it is now

    .equ CON,  0x10
    .equ PTE_VRWX, 0xf

    .macro greet who
    .asciz "hi \who"
    .endm
    .macro twice
t\@: .word t\@
    .endm

    .text
_start:
    la sp, 0x8000
    la r1, trap_entry
    mtsr tvec, r1

    ; layout
    la r1, _start
    la r2, 0x1000
    la r3, data_start
    la r4, text_end + 0xfff
    li r5, -4096
    and r4, r4, r5
    cmp r1, r2
    bne 1f
    cmp r3, r4
1:  la r1, n_layout
    call result

    ; macro-str: "hi \who" with who = bob is "hi bob"
    la r1, s_macro
    la r2, s_plain
    call streq
    la r1, n_macro_str
    call result

    ; macro-@: two expansions, two labels, each word its own address
    la r1, twice_1
    ldw r2, 0(r1)
    ldw r3, 4(r1)
    addi r4, r1, 4
    cmp r1, r2
    bne 1f
    cmp r3, r4
1:  la r1, n_macro_at
    call result

    ; local-sec: the .word 1b in .data (below) names the `1:` of .text
    ; just above it in the source
    la r1, local_ref
    ldw r1, 0(r1)
    la r2, local_here
    cmp r1, r2
    la r1, n_local
    call result

    ; epsr
    li r1, -1
    mtsr epsr, r1
    mfsr r2, epsr
    la r3, 0xf0000003
    cmp r2, r3
    la r1, n_epsr
    call result
    mtsr epsr, r0

    ; wfi-cycle: mtsr timer at cycle c arms it for c + 100; IE = 0, so the
    ; wfi completes at that cycle and the mfsr right after reads it.
    mfsr r9, cycles                 ; cycle c - 2
    li r1, 100                      ; c - 1
    mtsr timer, r1                  ; c
    wfi
    mfsr r2, cycles
    sub r2, r2, r9
    mtsr timer, r0
    cmpi r2, 102
    la r1, n_wfi
    call result

    ; disk-none
    li r8, 0                        ; r8 counts the mismatches
    in r1, 0x26(r0)                 ; SIZE
    bz r1, 1f
    addi r8, r8, 1
1:  in r1, 0x23(r0)                 ; CMD is write-only
    cmpi r1, -1
    beq 1f
    addi r8, r8, 1
1:  li r1, 7
    out r1, 0x23(r0)                ; not a command: still IDLE
    in r1, 0x24(r0)
    bz r1, 1f
    addi r8, r8, 1
1:  li r1, 1
    out r1, 0x22(r0)                ; COUNT = 1
    out r1, 0x25(r0)                ; CTRL: line 2 on completion
    mfsr r9, cycles                 ; cycle c - 1
    out r1, 0x23(r0)                ; READ, at cycle c
    wfi                             ; wakes when the disk finishes
    mfsr r2, cycles                 ; c + 250 (+ 1 for the mfsr above)
    sub r2, r2, r9
    cmpi r2, 251
    beq 1f
    addi r8, r8, 1
1:  in r1, 0x24(r0)
    cmpi r1, 3                      ; ERROR
    beq 1f
    addi r8, r8, 1
1:  out r0, 0x24(r0)                ; acknowledge
    out r0, 0x25(r0)
    cmpi r8, 0
    la r1, n_disk
    call result

    ; d-rewalk: identity-map 0-128 KiB (kernel pages: the tables too)
    la r1, 0x10000                  ; L1 at 0x10000, L2 at 0x11000
    la r2, 0x11000 + 1
    stw r2, 0(r1)
    la r1, 0x11000
    li r2, PTE_VRWX
    li r3, 32
1:  stw r2, 0(r1)                   ; pages 0..31
    addi r1, r1, 4
    addi r2, r2, 0x1000
    subi r3, r3, 1
    bnz r3, 1b
    la r1, 0x10000 + 1
    mtsr ptbr, r1                   ; paging on
    la r5, 0xa000                   ; the test page: its entry is 10
    la r6, 0x11000 + 10 * 4
    ldw r1, 0(r5)                   ; a load: cached, A set, D clear
    li r2, 0xa000 + 3               ; now read-only (V R), no flush
    stw r2, 0(r6)
    li r9, 0                        ; the handler sets r9 := cause
    stw r1, 0(r5)                   ; must walk again, and fault
    cmpi r9, 9                      ; STORE_FAULT
    la r1, n_rewalk
    call result
    mtsr ptbr, r0
    halt

; A fault in the d-rewalk check: note the cause, skip the instruction.
trap_entry:
    mfsr r9, cause
    mfsr r1, epc
    addi r1, r1, 4
    mtsr epc, r1
    rfe

; result(r1 = name), flags from the last cmp: Z set means PASS.
result:
    la r2, s_fail
    bne 1f
    la r2, s_pass
1:  ldbu r3, 0(r2)
    bz r3, 2f
    out r3, CON(r0)
    addi r2, r2, 1
    b 1b
2:  ldbu r3, 0(r1)
    bz r3, 3f
    out r3, CON(r0)
    addi r1, r1, 1
    b 2b
3:  li r3, '\n'
    out r3, CON(r0)
    ret

; streq(r1, r2): Z set if the two strings are equal.
streq:
1:  ldbu r3, 0(r1)
    ldbu r4, 0(r2)
    cmp r3, r4
    bne 2f
    addi r1, r1, 1
    addi r2, r2, 1
    bnz r3, 1b
    cmp r0, r0
2:  ret

local_here:
1:  nop
text_end:

    .data
data_start:
local_ref:  .word 1b
twice_1:    twice
            twice
s_macro:    greet bob
s_plain:    .asciz "hi bob"
s_pass:     .asciz "PASS "
s_fail:     .asciz "FAIL "
n_layout:   .asciz "layout"
n_macro_str: .asciz "macro-str"
n_macro_at: .asciz "macro-@"
n_local:    .asciz "local-sec"
n_epsr:     .asciz "epsr"
n_wfi:      .asciz "wfi-cycle"
n_disk:     .asciz "disk-none"
n_rewalk:   .asciz "d-rewalk"
