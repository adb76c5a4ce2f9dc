; paging.asm -- 32-bit paging with 4 KiB pages (CR4.PSE = 0, CR4.PAE = 0),
; checked against the Intel SDM vol. 3, chapter 4 ("Paging"), sections 4.3
; (32-bit paging), 4.6 (access rights), 4.7 (page-fault exceptions) and 4.8
; (accessed and dirty flags), and chapter 6 (interrupt 14, #PF).
; Build: nasm -f bin -I tests/pm/ -o build/tests/pm/paging.bin tests/pm/paging.asm
; Exit status: 0 when every check passes, else the number of the first
; failing check (numbered in source order, printed on the debug console).

%include "paging.inc"

FR0 equ 0x200000                ; physical test frames (identity-visible)
%define FR(n) (FR0 + (n) * 0x1000)

; CHECK_PF err, cr2, eip, "what": the #PF checks common to every case.
; SDM 6.15 (interrupt 14): #PF is a fault that pushes an error code; CR2
; holds the linear address that caused it; the saved CS:EIP points to the
; faulting instruction. SDM 4.7: error code bit 0 = P (0: not-present
; page), bit 1 = W/R (1: write), bit 2 = U/S (1: user-mode access).
%macro CHECK_PF 4
    CHECK_EQ dword [exc_vec], 14, {%4, ": #PF (vector 14)"}
    CHECK_EQ dword [exc_has_err], 1, {%4, ": #PF pushes an error code"}
    CHECK_EQ dword [exc_err], %1, {%4, ": error code"}
    CHECK_EQ dword [exc_cr2], %2, {%4, ": CR2 = faulting linear address"}
    CHECK_EQ dword [exc_eip], %3, {%4, ": saved EIP = faulting instruction"}
%endmacro


test_main:
    call setup_paging32
    ; page-fill the test frames with a pattern so "unchanged" is meaningful
    mov edi, FR0
    mov ecx, 16 * 1024
    mov eax, 0x5A5A5A5A
    rep stosd

    ; linear 0x400000.. (PDE 1) test mappings
    mov eax, 0x400000
    mov edx, FR(0) | PG_P | PG_RW
    call map4k
    mov eax, 0x401000               ; a second linear alias of FR(0)
    call map4k
    mov eax, 0x402000               ; not present
    xor edx, edx
    call map4k
    mov eax, 0x403000               ; supervisor, read-only
    mov edx, FR(3) | PG_P
    call map4k
    mov eax, 0x404000               ; user, read-only
    mov edx, FR(3) | PG_P | PG_US
    call map4k
    mov eax, 0x405000               ; supervisor, writable
    mov edx, FR(2) | PG_P | PG_RW
    call map4k
    mov eax, 0x406000               ; user, read-only
    mov edx, FR(2) | PG_P | PG_US
    call map4k
    mov eax, 0x407000               ; user, writable
    mov edx, FR(2) | PG_P | PG_RW | PG_US
    call map4k
    mov eax, 0x409000               ; crossing: present, then not present
    mov edx, FR(4) | PG_P | PG_RW
    call map4k
    mov eax, 0x40A000
    xor edx, edx
    call map4k
    mov eax, 0x40B000               ; crossing: two non-adjacent frames
    mov edx, FR(6) | PG_P | PG_RW
    call map4k
    mov eax, 0x40C000
    mov edx, FR(5) | PG_P | PG_RW
    call map4k

    call paging_on

; ------------------------------------------------------------------------
    TEST "identity map and linear aliases of one physical frame"
    ; SDM 4.3: each linear address is translated through the PDE and PTE
    ; to the physical frame; two PTEs naming one frame see the same bytes.
    mov dword [0x400010], 0x12345678
    CHECK_EQ dword [0x401010], 0x12345678, "write through alias A, read through alias B"
    CHECK_EQ dword [FR(0) + 0x10], 0x12345678, "write through alias reaches the physical frame (identity view)"
    mov dword [0x401020], 0xCAFEBABE
    CHECK_EQ dword [0x400020], 0xCAFEBABE, "write through alias B, read through alias A"
    mov dword [FR(0) + 0x30], 0x0BADF00D
    CHECK_EQ dword [0x400030], 0x0BADF00D, "write to the identity view, read through the alias"
    mov byte [0x401031], 0x77
    CHECK_EQ dword [0x400030], 0x0BAD770D, "byte write through alias lands in the right byte"

; ------------------------------------------------------------------------
    TEST "#PF on a not-present PTE (supervisor read)"
    EXPECT_FAULT .r_np_read
    mov eax, 0x11111111
    mov ebx, 0x22222222
    mov ecx, 0x33333333
    mov edx, 0x44444444
    mov esi, 0x55555555
    mov edi, 0x66666666
.f_np_read:
    mov ebx, [0x402ABC]
    NO_FAULT
.r_np_read:
    ; SDM 4.7: P=0 (not present), W/R=0 (read), U/S=0 (CPL 0): error 0
    CHECK_PF 0, 0x402ABC, .f_np_read, "supervisor read, PTE.P=0"
    ; SDM 6.5: a fault leaves the state as before the faulting instruction
    CHECK_EQ dword [exc_ebx], 0x22222222, "faulting MOV did not write its destination"
    CHECK_EQ dword [exc_eax], 0x11111111, "EAX unchanged at the fault"
    CHECK_EQ dword [exc_ecx], 0x33333333, "ECX unchanged at the fault"
    CHECK_EQ dword [exc_edx], 0x44444444, "EDX unchanged at the fault"
    CHECK_EQ dword [exc_esi], 0x55555555, "ESI unchanged at the fault"
    CHECK_EQ dword [exc_edi], 0x66666666, "EDI unchanged at the fault"
    ; same privilege level: EIP, CS, EFLAGS pushed, then the error code
    CHECK_EQ dword [exc_frame], 16, "ring-0 #PF frame: error code + EIP + CS + EFLAGS, ESP unchanged"
    CHECK_EQ dword [exc_cs], SEL_CODE0, "saved CS is the ring-0 code segment"

    TEST "#PF on a not-present PTE (supervisor write)"
    EXPECT_FAULT .r_np_write
.f_np_write:
    mov dword [0x402FFC], 0xDEADBEEF
    NO_FAULT
.r_np_write:
    ; SDM 4.7: W/R=1 for a write
    CHECK_PF 2, 0x402FFC, .f_np_write, "supervisor write, PTE.P=0"

    TEST "#PF on a not-present PDE"
    EXPECT_FAULT .r_pde_read
.f_pde_read:
    mov eax, [0xC01234]             ; PDE 3 is zero
    NO_FAULT
.r_pde_read:
    CHECK_PF 0, 0xC01234, .f_pde_read, "supervisor read, PDE.P=0"
    EXPECT_FAULT .r_pde_write
.f_pde_write:
    add [0xC05678], eax             ; read-modify-write: reported as a write
    NO_FAULT
.r_pde_write:
    ; whether the read of a read-modify-write reports W/R=0 or 1 is not
    ; specified by the SDM: check P=0 and U/S=0 only
    CHECK_EQ dword [exc_vec], 14, "RMW on a not-present PDE: #PF"
    CHECK_MASK dword [exc_err], ~2, 0, "RMW on a not-present PDE: error P=0, U/S=0"
    CHECK_EQ dword [exc_cr2], 0xC05678, "RMW on a not-present PDE: CR2"
    CHECK_EQ dword [exc_eip], .f_pde_write, "RMW on a not-present PDE: saved EIP"

    TEST "string move faulting on its destination: registers unchanged"
    EXPECT_FAULT .r_movs
    mov esi, 0x400000
    mov edi, 0x402010
    mov ecx, 4
.f_movs:
    rep movsd
    NO_FAULT
.r_movs:
    CHECK_PF 2, 0x402010, .f_movs, "REP MOVSD to a not-present page"
    CHECK_EQ dword [exc_esi], 0x400000, "ESI not advanced by the faulting iteration"
    CHECK_EQ dword [exc_edi], 0x402010, "EDI not advanced by the faulting iteration"
    CHECK_EQ dword [exc_ecx], 4, "ECX not decremented by the faulting iteration"

    TEST "POP to a not-present page: ESP unchanged"
    push dword 0x87654321
    EXPECT_FAULT .r_pop
.f_pop:
    pop dword [0x402100]
    NO_FAULT
.r_pop:
    ; SDM (POP): faults leave ESP as before the instruction, so the #PF
    ; frame is pushed right below the unchanged ESP
    CHECK_PF 2, 0x402100, .f_pop, "POP m32 to a not-present page"
    CHECK_EQ dword [exc_frame], 16, "ESP at the fault still points at the popped value"
    add esp, 4

; ------------------------------------------------------------------------
    TEST "instruction fetch from a not-present page"
    ; code for the fetch tests: FR(11) holds `mov eax, 0x5EED5EED; ret`
    ; at its end so that the MOV crosses into the next page
    mov eax, 0x40D000
    mov edx, FR(11) | PG_P | PG_RW | PG_US
    call map4k
    mov eax, 0x40E000               ; not present
    xor edx, edx
    call map4k
    mov byte [FR(11) + 0xFFD], 0xB8 ; MOV EAX, imm32: 3 bytes on 0x40D000's page
    mov word [FR(11) + 0xFFE], 0x5EED
    call flush_tlb
    push dword .fetch_ret
    EXPECT_FAULT .r_fetch
.f_fetch:
    jmp 0x402800                    ; not present
.fetch_ret:
    NO_FAULT
    push eax
.r_fetch:
    add esp, 4
    ; SDM 4.7: a fetch is a read (W/R=0); I/D is 0 without NXE: error 0;
    ; CR2 and the saved EIP are the target
    CHECK_PF 0, 0x402800, 0x402800, "jump to a not-present page"
    push dword .fetch_ret2
    EXPECT_FAULT .r_fetch2
    jmp 0x40DFFD
.fetch_ret2:
    NO_FAULT
    push eax
.r_fetch2:
    add esp, 4
    ; SDM 6.15 int 14: the fault is on the instruction whose bytes reach
    ; into the not-present page: CR2 = the first byte there, saved EIP =
    ; the start of the instruction
    CHECK_PF 0, 0x40E000, 0x40DFFD, "instruction crossing into a not-present page"
    RING3 .u_fetch, .r_ufetch, 2
.u_fetch:
    jmp 0x405000                    ; supervisor page
.r_ufetch:
    ; SDM 4.6.1: CPL 3 instruction fetch from a supervisor page: error
    ; P=1, W/R=0, U/S=1 = 5
    CHECK_PF 5, 0x405000, 0x405000, "CPL 3 jump into a supervisor page"

    TEST "CPL 3 push to a not-present stack page"
    RING3 .u_push, .r_upush, 2
.u_push:
    mov esp, 0x403000               ; 0x402000 is not present
    mov eax, 0x1234
.f_upush:
    push eax
    USER_RETURN
.r_upush:
    ; a stack access that misses the page is #PF (not #SS); the fault
    ; leaves ESP unchanged (SDM 6.5: faults are restartable)
    CHECK_PF 6, 0x402FFC, .f_upush, "CPL 3 PUSH to a not-present page"
    CHECK_EQ dword [exc_uesp], 0x403000, "CPL 3 PUSH fault: the pushed ring-3 ESP is unchanged"

; ------------------------------------------------------------------------
    TEST "CR0.WP: supervisor writes to read-only pages"
    call clear_wp
    call flush_tlb
    mov dword [FR(3)], 0x01010101
    EXPECT_FAULT .r_wp0_s
    ; SDM 4.6.1: with CR0.WP=0 a supervisor-mode access may write any
    ; address, whatever its R/W flags
    mov dword [0x403000], 0xAABBCCDD
    NO_FAULT
.r_wp0_s:
    CHECK_EQ dword [exc_count], 0, "WP=0: supervisor write to a supervisor read-only page does not fault"
    CHECK_EQ dword [FR(3)], 0xAABBCCDD, "WP=0: the write reached memory"
    EXPECT_FAULT .r_wp0_u
    mov dword [0x404004], 0x10203040
    NO_FAULT
.r_wp0_u:
    CHECK_EQ dword [exc_count], 0, "WP=0: supervisor write to a user read-only page does not fault"
    CHECK_EQ dword [FR(3) + 4], 0x10203040, "WP=0: the write to the user page reached memory"

    call set_wp
    call flush_tlb
    EXPECT_FAULT .r_wp1_s
.f_wp1_s:
    mov dword [0x403008], 0x99999999
    NO_FAULT
.r_wp1_s:
    ; SDM 4.6.1: with CR0.WP=1 supervisor writes need R/W=1 in every
    ; paging-structure entry; SDM 4.7: P=1 (protection), W/R=1: error 3
    CHECK_PF 3, 0x403008, .f_wp1_s, "WP=1: supervisor write to a read-only supervisor page"
    CHECK_EQ dword [FR(3) + 8], 0x5A5A5A5A, "WP=1: the faulting write did not reach memory"
    EXPECT_FAULT .r_wp1_u
.f_wp1_u:
    mov word [0x40400C], 0x9999
    NO_FAULT
.r_wp1_u:
    CHECK_PF 3, 0x40400C, .f_wp1_u, "WP=1: supervisor write to a read-only user page"
    EXPECT_FAULT .r_wp1_rd
    mov eax, [0x403000]
    NO_FAULT
.r_wp1_rd:
    CHECK_EQ dword [exc_count], 0, "WP=1: supervisor read of a read-only page does not fault"
    CHECK_EQ eax, 0xAABBCCDD, "WP=1: supervisor read of a read-only page returns the data"
    call clear_wp
    call flush_tlb                  ; (flush anyway; not what is tested)
    EXPECT_FAULT .r_wp0_again
    mov dword [0x403008], 0x12121212
    NO_FAULT
.r_wp0_again:
    CHECK_EQ dword [exc_count], 0, "WP cleared again: supervisor write to read-only page allowed"

; ------------------------------------------------------------------------
    TEST "user-mode (CPL 3) access rights"
    mov dword [FR(2)], 0x600DF00D
    call flush_tlb
    RING3 .u_rd_sup, .r_u_rd_sup, 2
.u_rd_sup:
    mov eax, [0x405000]
    USER_RETURN
.r_u_rd_sup:
    ; SDM 4.6.1: user-mode accesses need U/S=1 in every paging-structure
    ; entry; SDM 4.7: P=1, W/R=0, U/S=1: error 5
    CHECK_PF 5, 0x405000, .u_rd_sup, "CPL 3 read of a supervisor page"
    CHECK_EQ dword [exc_cs], SEL_CODE3, "saved CS is the ring-3 code segment"
    CHECK_EQ dword [exc_frame], 24, "ring-3 #PF frame: error code, EIP, CS, EFLAGS, ESP, SS on the TSS stack"

    RING3 .u_wr_sup, .r_u_wr_sup, 2
.u_wr_sup:
    mov dword [0x405004], 0x0BADBAD0
    USER_RETURN
.r_u_wr_sup:
    ; P=1, W/R=1, U/S=1: error 7
    CHECK_PF 7, 0x405004, .u_wr_sup, "CPL 3 write to a supervisor page"

    RING3 .u_rd_uro, .r_u_rd_uro, 2
.u_rd_uro:
    mov eax, [0x406000]
    USER_RETURN
.r_u_rd_uro:
    CHECK_EQ dword [exc_vec], VEC_RING0, "CPL 3 read of a user read-only page does not fault"
    CHECK_EQ dword [exc_eax], 0x600DF00D, "CPL 3 read of a user read-only page returns the data"

    RING3 .u_wr_uro, .r_u_wr_uro, 2
.u_wr_uro:
    mov dword [0x406008], 0x0BADBAD0
    USER_RETURN
.r_u_wr_uro:
    ; SDM 4.6.1: user-mode writes need R/W=1 everywhere (CR0.WP irrelevant)
    CHECK_PF 7, 0x406008, .u_wr_uro, "CPL 3 write to a user read-only page"
    CHECK_EQ dword [FR(2) + 8], 0x5A5A5A5A, "the faulting user write did not reach memory"

    RING3 .u_wr_urw, .r_u_wr_urw, 2
.u_wr_urw:
    mov dword [0x40700C], 0x00C0FFEE
    USER_RETURN
.r_u_wr_urw:
    CHECK_EQ dword [exc_vec], VEC_RING0, "CPL 3 write to a user writable page does not fault"
    CHECK_EQ dword [FR(2) + 12], 0x00C0FFEE, "CPL 3 write reached memory"

    RING3 .u_rd_np, .r_u_rd_np, 2
.u_rd_np:
    mov eax, [0x402040]
    USER_RETURN
.r_u_rd_np:
    ; P=0, W/R=0, U/S=1: error 4
    CHECK_PF 4, 0x402040, .u_rd_np, "CPL 3 read of a not-present page"
    RING3 .u_wr_np, .r_u_wr_np, 2
.u_wr_np:
    mov byte [0x402041], 1
    USER_RETURN
.r_u_wr_np:
    ; P=0, W/R=1, U/S=1: error 6
    CHECK_PF 6, 0x402041, .u_wr_np, "CPL 3 write to a not-present page"

; ------------------------------------------------------------------------
    TEST "U/S and R/W combined across PDE and PTE"
    ; SDM 4.6.1: an access is allowed only if every paging-structure entry
    ; used for the translation allows it: the most restrictive one wins.
    ; PDE 2 (0x800000..) gets its own page table.
    mov eax, 0x800000
    mov edx, FR(7) | PG_P | PG_RW | PG_US
    call map4k                      ; EDI = PTE, PDE 2 allocated P|RW|US
    mov [scratch], edi
    call pde_of
    mov [scratch + 4], edi
    mov dword [FR(7)], 0x7777AAAA

    ; a) PDE supervisor, PTE user: user read faults
    and dword [edi], ~PG_US
    call flush_tlb
    RING3 .u_c1, .r_c1, 2
.u_c1:
    mov eax, [0x800000]
    USER_RETURN
.r_c1:
    CHECK_PF 5, 0x800000, .u_c1, "PDE.U/S=0, PTE.U/S=1: CPL 3 read"

    ; b) PDE user, PTE supervisor
    mov edi, [scratch + 4]
    or dword [edi], PG_US
    mov edi, [scratch]
    and dword [edi], ~PG_US
    call flush_tlb
    RING3 .u_c2, .r_c2, 2
.u_c2:
    mov eax, [0x800004]
    USER_RETURN
.r_c2:
    CHECK_PF 5, 0x800004, .u_c2, "PDE.U/S=1, PTE.U/S=0: CPL 3 read"

    ; c) both user, PDE read-only, PTE writable
    mov edi, [scratch]
    or dword [edi], PG_US | PG_RW
    mov edi, [scratch + 4]
    and dword [edi], ~PG_RW
    call flush_tlb
    RING3 .u_c3, .r_c3, 2
.u_c3:
    mov eax, [0x800000]
    mov dword [0x800008], 1
    USER_RETURN
.r_c3:
    CHECK_PF 7, 0x800008, .u_c3 + 5, "PDE.R/W=0, PTE.R/W=1: CPL 3 write"
    CHECK_EQ dword [exc_eax], 0x7777AAAA, "PDE.R/W=0, PTE.R/W=1: CPL 3 read allowed"

    ; d) PDE writable, PTE read-only
    mov edi, [scratch + 4]
    or dword [edi], PG_RW
    mov edi, [scratch]
    and dword [edi], ~PG_RW
    call flush_tlb
    RING3 .u_c4, .r_c4, 2
.u_c4:
    mov dword [0x80000C], 1
    USER_RETURN
.r_c4:
    CHECK_PF 7, 0x80000C, .u_c4, "PDE.R/W=1, PTE.R/W=0: CPL 3 write"

    ; e) PDE read-only, PTE writable, supervisor write with WP=1 / WP=0
    mov edi, [scratch]
    or dword [edi], PG_RW
    mov edi, [scratch + 4]
    and dword [edi], ~PG_RW
    call set_wp
    call flush_tlb
    EXPECT_FAULT .r_c5
.f_c5:
    mov dword [0x800010], 0x55
    NO_FAULT
.r_c5:
    CHECK_PF 3, 0x800010, .f_c5, "PDE.R/W=0, PTE.R/W=1, WP=1: supervisor write"
    call clear_wp
    call flush_tlb
    EXPECT_FAULT .r_c6
    mov dword [0x800010], 0x66
    NO_FAULT
.r_c6:
    CHECK_EQ dword [exc_count], 0, "PDE.R/W=0, WP=0: supervisor write allowed"
    CHECK_EQ dword [FR(7) + 0x10], 0x66, "PDE.R/W=0, WP=0: supervisor write reached memory"
    mov edi, [scratch + 4]
    or dword [edi], PG_RW
    call flush_tlb

; ------------------------------------------------------------------------
    TEST "accessed and dirty flags"
    ; PDE 3 (0xC00000..): a fresh page table; A and D clear everywhere.
    call alloc_page
    mov ebx, eax                    ; page table
    or eax, PG_P | PG_RW | PG_US
    mov [PD_BASE + 3 * 4], eax
    mov dword [ebx + 0], FR(8) | PG_P | PG_RW
    mov dword [ebx + 4], FR(9) | PG_P | PG_RW
    call flush_tlb
    mov eax, [0xC00000]             ; read page 0
    ; SDM 4.8: the processor sets A in every paging-structure entry used
    ; by a translation, and D in the entry that maps the page on a write
    CHECK_MASK dword [PD_BASE + 3 * 4], PG_A, PG_A, "read: PDE.A set"
    CHECK_MASK dword [ebx], PG_A, PG_A, "read: PTE.A set"
    CHECK_MASK dword [ebx], PG_D, 0, "read: PTE.D still clear"
    CHECK_MASK dword [ebx + 4], PG_A | PG_D, 0, "an untouched page's PTE has A and D clear"
    mov dword [0xC00010], 1         ; write the same page (translation cached)
    ; SDM 4.8: the first write to a page whose PTE has D=0 sets D, even if
    ; the translation was cached (by a read) with D clear
    CHECK_MASK dword [ebx], PG_D, PG_D, "write after read: PTE.D set"
    ; SDM table 4-5: bit 6 of a PDE that references a page table is ignored
    ; (only a 4 MiB page has a dirty flag in the PDE)
    CHECK_MASK dword [PD_BASE + 3 * 4], PG_D, 0, "write: the PDE's bit 6 (no dirty flag for a page table) stays clear"
    mov dword [0xC01000], 2         ; first access to page 1 is a write
    CHECK_MASK dword [ebx + 4], PG_A | PG_D, PG_A | PG_D, "first access a write: PTE.A and PTE.D set"
    ; a write to a read-only page with WP=1 faults
    mov dword [ebx + 8], FR(10) | PG_P | PG_A    ; read-only, supervisor
    call set_wp
    call flush_tlb
    EXPECT_FAULT .r_ad
.f_ad:
    mov dword [0xC02000], 3
    NO_FAULT
.r_ad:
    CHECK_PF 3, 0xC02000, .f_ad, "write to a read-only page (WP=1)"
    call clear_wp

; ------------------------------------------------------------------------
    TEST "page-crossing accesses"
    call flush_tlb
    mov dword [FR(4) + 0xFFC], 0xA4A3A2A1
    EXPECT_FAULT .r_cross_w
.f_cross_w:
    mov dword [0x409FFE], 0x11223344
    NO_FAULT
.r_cross_w:
    ; SDM 4.7 / 6.15: the fault is for the second page: CR2 is the first
    ; linear address of the access that is on the not-present page
    CHECK_PF 2, 0x40A000, .f_cross_w, "dword write crossing into a not-present page"
    ; SDM 6.5: faults are restartable: no part of the write has happened
    CHECK_EQ dword [FR(4) + 0xFFC], 0xA4A3A2A1, "the first page is unmodified by the faulting split write"

    mov dword [FR(6) + 0xFFC], 0x44332211
    mov dword [FR(5)], 0x88776655
    mov dword [FR(5) + 4], 0xCCBBAA99
    mov eax, [0x40BFFE]
    ; SDM 4.3: each byte is translated through its own page: 0x40BFFE..F
    ; are in frame 6, 0x40C000..1 in frame 5 (not the next physical frame)
    CHECK_EQ eax, 0x66554433, "dword read crossing two pages in non-adjacent frames"
    movzx eax, word [0x40BFFF]
    CHECK_EQ eax, 0x5544, "word read crossing the page boundary"
    mov dword [0x40BFFD], 0xDDCCBBAA
    CHECK_EQ dword [FR(6) + 0xFFC], 0xCCBBAA11, "split write: bytes on the first page"
    CHECK_EQ dword [FR(5)], 0x887766DD, "split write: byte on the second page"
    CHECK_EQ dword [FR(7) + 0xFFC], 0x5A5A5A5A, "split write did not touch the physically following frame"

    call paging_off
    ret

PM_TAIL
