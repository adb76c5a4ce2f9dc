; pse_pae.asm -- 4 MiB pages of 32-bit paging (CR4.PSE) and PAE paging
; (CR4.PAE) checked against the Intel SDM vol. 3: 4.3 (32-bit paging,
; tables 4-4 and 4-5), 4.4 (PAE paging, tables 4-8 .. 4-11), 4.4.1 (PDPTE
; registers), 4.6 (access rights, execute-disable), 4.7 (page-fault error
; code: RSVD bit 3, I/D bit 4), 4.8 (accessed and dirty flags) and 2.2.1 /
; 4.1.4 (IA32_EFER.NXE, CPUID enumeration).
; Each part runs only if CPUID enumerates its feature; otherwise it prints
; a note and is skipped.
; Exit status: 0 when every check passes, else the first failing check.

%include "paging.inc"

FR0 equ 0x200000
%define FR(n) (FR0 + (n) * 0x1000)
BIG equ 0x800000                ; a 4 MiB / 2 MiB aligned physical area

; PAE structures
PDPT    equ 0x120000            ; 32-byte aligned
PAE_PD0 equ 0x121000            ; PD for 0..1 GiB
PAE_PT0 equ 0x122000            ; 0..2 MiB identity, 4 KiB pages
PAE_PT3 equ 0x123000            ; 0x600000..0x7FFFFF, 4 KiB pages
PDPT_BAD equ 0x124000

%macro CHECK_PF 4
    CHECK_EQ dword [exc_vec], 14, {%4, ": #PF"}
    CHECK_EQ dword [exc_err], %1, {%4, ": error code"}
    CHECK_EQ dword [exc_cr2], %2, {%4, ": CR2"}
    CHECK_EQ dword [exc_eip], %3, {%4, ": saved EIP"}
%endmacro

test_main:
    mov eax, 1
    cpuid
    mov [scratch + 0x40], edx       ; CPUID.01H:EDX
    mov dword [BIG + 0x1234], 0xB16B0001
    mov dword [BIG + 0x3FFFFC], 0xB16B0002
    mov dword [BIG + 0x1000], 0xB16B0003
    mov dword [FR(1)], 0xF1F10001

; ---------------------------------------------------------------- PSE
    TEST "4 MiB pages (CR4.PSE=1, PDE.PS=1)"
    test dword [scratch + 0x40], 1 << 3
    jnz .pse
    NOTE "CPUID.01H:EDX.PSE (bit 3) is 0: 4 MiB page checks skipped"
    jmp .pse_done
.pse:
    call setup_paging32
    ; PDE 1: a 4 MiB page at BIG, A=0, D=0
    mov dword [PD_BASE + 4], BIG | PG_P | PG_RW | PG_PS
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    call paging_on
    ; SDM 4.3 / table 4-4: with CR4.PSE=1 a PDE with PS=1 maps a 4 MiB
    ; page: bits 31:22 of the PDE with bits 21:0 of the linear address
    CHECK_EQ dword [0x401234], 0xB16B0001, "4 MiB page: offset 0x1234"
    CHECK_EQ dword [0x7FFFFC], 0xB16B0002, "4 MiB page: last dword of the page"
    ; SDM 4.8: A set in the PDE on access; D set in the PDE that maps the
    ; page on a write (table 4-4 bit 6)
    CHECK_MASK dword [PD_BASE + 4], PG_A | PG_D, PG_A, "read: PDE.A set, PDE.D clear"
    mov dword [0x400010], 1
    CHECK_MASK dword [PD_BASE + 4], PG_A | PG_D, PG_A | PG_D, "write: PDE.D set in the 4 MiB PDE"
    ; access rights from the PDE alone
    mov dword [PD_BASE + 4], BIG | PG_P | PG_PS    ; read-only, supervisor
    call set_wp
    call flush_tlb
    EXPECT_FAULT .r_pse_wp
.f_pse_wp:
    mov dword [0x400020], 2
    NO_FAULT
.r_pse_wp:
    CHECK_PF 3, 0x400020, .f_pse_wp, "4 MiB read-only page, WP=1, supervisor write"
    call clear_wp
    RING3 .u_pse, .r_pse_u, 2
.u_pse:
    mov eax, [0x400024]
    USER_RETURN
.r_pse_u:
    CHECK_PF 5, 0x400024, .u_pse, "4 MiB supervisor page, CPL 3 read"
    mov dword [PD_BASE + 4], BIG | PG_P | PG_RW | PG_US | PG_PS
    call flush_tlb
    RING3 .u_pse2, .r_pse_u2, 2
.u_pse2:
    mov eax, [0x401234]
    USER_RETURN
.r_pse_u2:
    CHECK_EQ dword [exc_eax], 0xB16B0001, "4 MiB user page, CPL 3 read"

    ; SDM table 4-5: with CR4.PSE=0 the PS bit of a PDE is ignored: the
    ; PDE references a page table. PDE 1 = BIG | PS: as a page table at
    ; BIG, its entry 1 maps 0x401000 -> FR(1).
    call paging_off
    mov eax, cr4
    and eax, ~CR4_PSE
    mov cr4, eax
    mov eax, [BIG + 4]
    mov [scratch + 0x44], eax
    mov dword [BIG + 4], FR(1) | PG_P | PG_RW
    mov dword [PD_BASE + 4], BIG | PG_P | PG_RW | PG_PS
    call paging_on
    CHECK_EQ dword [0x401000], 0xF1F10001, "CR4.PSE=0: PDE.PS ignored, the PDE references a page table"
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    call flush_tlb
    CHECK_EQ dword [0x401000], 0xB16B0003, "CR4.PSE=1: the same PDE maps a 4 MiB page"
    call paging_off
    mov eax, [scratch + 0x44]
    mov [BIG + 4], eax
    mov eax, cr4
    and eax, ~CR4_PSE
    mov cr4, eax
.pse_done:

; ---------------------------------------------------------------- PAE
    TEST "PAE paging: 2 MiB and 4 KiB pages"
    test dword [scratch + 0x40], 1 << 6
    jnz .pae
    NOTE "CPUID.01H:EDX.PAE (bit 6) is 0: PAE checks skipped"
    jmp .pae_done
.pae:
    ; build the structures
    mov edi, PDPT
    mov ecx, 5 * 1024
    xor eax, eax
    rep stosd
    mov dword [PDPT], PAE_PD0 | PG_P        ; PDPTE: P only (bits 1,2 reserved)
    mov dword [PAE_PD0 + 0 * 8], PAE_PT0 | PG_P | PG_RW | PG_US
    mov dword [PAE_PD0 + 1 * 8], 0x200000 | PG_P | PG_RW | PG_US | PG_PS
    mov dword [PAE_PD0 + 2 * 8], BIG | PG_P | PG_RW | PG_PS        ; 0x400000
    mov dword [PAE_PD0 + 3 * 8], PAE_PT3 | PG_P | PG_RW | PG_US   ; 0x600000
    mov edi, PAE_PT0
    mov eax, PG_P | PG_RW | PG_US
    mov ecx, 512
.id:
    mov [edi], eax
    mov dword [edi + 4], 0
    add edi, 8
    add eax, 0x1000
    loop .id
    mov dword [PAE_PT3 + 0 * 8], FR(1) | PG_P | PG_RW            ; 0x600000
    mov dword [PAE_PT3 + 1 * 8], FR(2) | PG_P | PG_RW            ; 0x601000
    mov dword [PAE_PT3 + 2 * 8], 0                               ; 0x602000: not present
    mov dword [PAE_PT3 + 3 * 8], FR(3) | PG_P | PG_RW            ; 0x603000: reserved bit 51
    mov dword [PAE_PT3 + 3 * 8 + 4], 1 << (51 - 32)
    mov dword [PAE_PT3 + 4 * 8], FR(4) | PG_P | PG_RW            ; 0x604000: bit 63, NXE=0
    mov dword [PAE_PT3 + 4 * 8 + 4], 0x80000000
    mov dword [FR(2)], 0xF2F20002
    mov dword [BIG + 0x1FFFFC], 0xB16B0004
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    call paging_on

    ; SDM 4.4 / table 4-9: a PAE PDE with PS=1 maps a 2 MiB page
    CHECK_EQ dword [0x401234], 0xB16B0001, "PAE 2 MiB page: offset 0x1234"
    CHECK_EQ dword [0x5FFFFC], 0xB16B0004, "PAE 2 MiB page: last dword"
    ; table 4-11: a PTE maps a 4 KiB page
    CHECK_EQ dword [0x600000], 0xF1F10001, "PAE 4 KiB page 0x600000"
    CHECK_EQ dword [0x601000], 0xF2F20002, "PAE 4 KiB page 0x601000"
    ; SDM 4.8 in PAE entries
    CHECK_MASK dword [PAE_PT3 + 1 * 8], PG_A | PG_D, PG_A, "PAE read: PTE.A set, PTE.D clear"
    CHECK_MASK dword [PAE_PD0 + 3 * 8], PG_A, PG_A, "PAE read: PDE.A set"
    mov dword [0x601008], 5
    CHECK_MASK dword [PAE_PT3 + 1 * 8], PG_D, PG_D, "PAE write: PTE.D set"
    CHECK_EQ dword [PAE_PT3 + 1 * 8 + 4], 0, "PAE: the high dword of the PTE is not changed"
    mov dword [0x400040], 6
    CHECK_MASK dword [PAE_PD0 + 2 * 8], PG_A | PG_D, PG_A | PG_D, "PAE write to a 2 MiB page: PDE.A and PDE.D set"

    EXPECT_FAULT .r_pae_np
.f_pae_np:
    mov eax, [0x602468]
    NO_FAULT
.r_pae_np:
    CHECK_PF 0, 0x602468, .f_pae_np, "PAE not-present PTE, supervisor read"
    EXPECT_FAULT .r_pae_np2
.f_pae_np2:
    mov eax, [0x40000000]           ; PDPTE 1: P=0
    NO_FAULT
.r_pae_np2:
    CHECK_PF 0, 0x40000000, .f_pae_np2, "PAE not-present PDPTE, supervisor read"

    TEST "reserved bits: #PF with RSVD (error code bit 3)"
    EXPECT_FAULT .r_rsvd1
.f_rsvd1:
    mov eax, [0x603000]
    NO_FAULT
.r_rsvd1:
    ; SDM table 4-11: PTE bits 62:MAXPHYADDR are reserved; 4.7: a
    ; reserved bit set gives #PF with P=1 and RSVD=1: error 9 for a read
    CHECK_PF 9, 0x603000, .f_rsvd1, "PAE PTE with bit 51 set, read"
    EXPECT_FAULT .r_rsvd2
.f_rsvd2:
    mov dword [0x603004], 1
    NO_FAULT
.r_rsvd2:
    CHECK_PF 0xB, 0x603004, .f_rsvd2, "PAE PTE with bit 51 set, write"
    EXPECT_FAULT .r_rsvd3
.f_rsvd3:
    mov eax, [0x604000]
    NO_FAULT
.r_rsvd3:
    ; SDM table 4-11: bit 63 (XD) is reserved when IA32_EFER.NXE = 0
    CHECK_PF 9, 0x604000, .f_rsvd3, "PAE PTE with bit 63 set and EFER.NXE=0"
    ; 2 MiB page with bit 13 set: SDM table 4-9, bits 20:13 reserved
    or dword [PAE_PD0 + 2 * 8], 1 << 13
    invlpg [0x400000]
    EXPECT_FAULT .r_rsvd4
.f_rsvd4:
    mov eax, [0x400100]
    NO_FAULT
.r_rsvd4:
    CHECK_PF 9, 0x400100, .f_rsvd4, "PAE 2 MiB PDE with bit 13 set"
    and dword [PAE_PD0 + 2 * 8], ~(1 << 13)
    invlpg [0x400000]
    RING3 .u_rsvd, .r_rsvd5, 2
.u_rsvd:
    mov eax, [0x603010]
    USER_RETURN
.r_rsvd5:
    ; U/S=1 in the error code too (a user access; the PTE is supervisor
    ; and reserved: RSVD is reported with P=1)
    CHECK_MASK dword [exc_err], 0xD, 0xD, "PAE reserved bit, CPL 3 read: P, U/S and RSVD set"

    TEST "PDPTE reserved bits: #GP on MOV to CR3"
    mov edi, PDPT_BAD
    mov ecx, 8
    mov esi, PDPT
    rep movsd
    or dword [PDPT_BAD], PG_RW      ; bit 1 is reserved in a PDPTE
    EXPECT_FAULT .r_pdpt
    mov eax, PDPT_BAD
.f_pdpt:
    mov cr3, eax
    NO_FAULT
.r_pdpt:
    ; SDM 4.4.1: if a PDPTE has P=1 and a reserved bit set, the MOV to CR3
    ; causes #GP(0) and the PDPTEs are not loaded
    CHECK_EQ dword [exc_vec], 13, "PDPTE with a reserved bit: MOV CR3 faults with #GP"
    CHECK_EQ dword [exc_err], 0, "#GP(0)"
    CHECK_EQ dword [exc_eip], .f_pdpt, "#GP: saved EIP = the MOV to CR3"
    mov eax, cr3
    CHECK_EQ eax, PDPT, "CR3 unchanged by the faulting MOV"
    CHECK_EQ dword [0x601000], 0xF2F20002, "the old PDPTEs still translate"

    TEST "execute-disable (EFER.NXE)"
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_nx
    cmp eax, 0x8000FFFF
    ja .no_nx
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 20
    jnz .nx
.no_nx:
    NOTE "CPUID.80000001H:EDX.NX (bit 20) is not reported: execute-disable checks skipped"
    jmp .nx_done
.nx:
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 11                 ; NXE
    wrmsr
    ; FR(4) holds `mov eax, 0x12345678; ret`
    mov dword [FR(4)], 0x345678B8
    mov dword [FR(4) + 4], 0x90C312
    invlpg [0x604000]
    CHECK_EQ dword [0x604000], 0x345678B8, "NXE=1: bit 63 is XD, a data read of the page works"
    push dword .nx_ret              ; the code returns there if it runs
    EXPECT_FAULT .r_nx
    jmp 0x604000
.nx_ret:
    NO_FAULT
    push eax
.r_nx:
    add esp, 4
    ; SDM 4.6.2: instruction fetch from a page with XD=1 is not allowed;
    ; 4.7: error code P=1, I/D=1 (bit 4): 0x11; CR2 = the fetch address
    CHECK_EQ dword [exc_vec], 14, "fetch from an XD page: #PF"
    CHECK_EQ dword [exc_err], 0x11, "fetch from an XD page: error P=1, I/D=1"
    CHECK_EQ dword [exc_cr2], 0x604000, "fetch from an XD page: CR2"
    CHECK_EQ dword [exc_eip], 0x604000, "fetch from an XD page: saved EIP = the target"
    and dword [PAE_PT3 + 4 * 8 + 4], 0x7FFFFFFF
    invlpg [0x604000]
    xor eax, eax
    push dword .nx_ret2
    EXPECT_FAULT .r_nx2
    jmp 0x604000
.nx_ret2:
    NO_FAULT
    push eax
.r_nx2:
    add esp, 4
    CHECK_EQ dword [exc_count], 0, "XD cleared: the page executes"
    CHECK_EQ eax, 0x12345678, "XD cleared: the code ran"
    mov ecx, 0xC0000080
    rdmsr
    and eax, ~(1 << 11)
    wrmsr
.nx_done:
    call paging_off
    mov eax, cr4
    and eax, ~CR4_PAE
    mov cr4, eax
.pae_done:
    ret

PM_TAIL
