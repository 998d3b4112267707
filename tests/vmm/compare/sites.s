; sites.s - sensitive but unprivileged instructions, for `trapeze audit`
; (tests/vmm/compare.sh): in code, in an included file, and a data word in
; the executable section that decodes as popf - no instruction, but a
; scanner of code pages cannot tell it from code, so it is listed, marked
; "data".  The word in .data, in a page of its own, is not listed: no
; scanner looks at a page without code.
    .text
_start:
    la sp, 0x8000
    call critical
    call quiet
    halt

critical:                   ; the idiom the popf problem is about
    pushf
    cli
    popf
    ret

    .include "sites.inc"    ; quiet: one more pushf

table:
    .word 0x43000000        ; data, but in .text: decodes as popf

    .data
    .word 0x42000000        ; decodes as pushf, but not executable
